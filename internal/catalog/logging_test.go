package catalog

import "testing"

func TestApplyLogging(t *testing.T) {
	s := func(v string) *string { return &v }
	json := Logging{Format: LogFormatJSON, ApplicationLevel: "DEBUG"}
	tests := []struct {
		name                     string
		cur                      Logging
		format, app, system, grp *string
		want                     Logging
		wantErr                  bool
	}{
		{"nothing given", Logging{}, nil, nil, nil, nil, Logging{Format: LogFormatText}, false},
		{"json with lower-case level", Logging{}, s("JSON"), s("warn"), nil, nil, Logging{Format: LogFormatJSON, ApplicationLevel: "WARN"}, false},
		{"level only keeps json", json, nil, nil, s("WARN"), nil, Logging{Format: LogFormatJSON, ApplicationLevel: "DEBUG", SystemLevel: "WARN"}, false},
		{"back to text clears levels", json, s("Text"), nil, nil, s("/custom"), Logging{Format: LogFormatText, LogGroup: "/custom"}, false},
		{"levels with text", Logging{}, s("Text"), s("INFO"), nil, nil, Logging{}, true},
		{"levels on a text function", Logging{Format: LogFormatText}, nil, nil, s("INFO"), nil, Logging{}, true},
		{"unknown format", Logging{}, s("json"), nil, nil, nil, Logging{}, true},
		{"unknown app level", Logging{}, s("JSON"), s("VERBOSE"), nil, nil, Logging{}, true},
		{"system level TRACE", Logging{}, s("JSON"), nil, s("TRACE"), nil, Logging{}, true},
	}
	for _, tt := range tests {
		got, err := ApplyLogging(tt.cur, tt.format, tt.app, tt.system, tt.grp)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v; want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("%s: ApplyLogging = %+v; want %+v", tt.name, got, tt.want)
		}
		if err != nil && got != tt.cur {
			t.Errorf("%s: a refused change returned %+v; want the current %+v", tt.name, got, tt.cur)
		}
	}
	if app, system := (Logging{Format: LogFormatJSON}).Levels(); app != "INFO" || system != "INFO" {
		t.Errorf("JSON default levels = %s, %s; want INFO, INFO", app, system)
	}
}
