package catalog

import (
	"testing"
	"time"

	"github.com/lamina-dev/lamina/internal/store/storetest"
)

func TestVersionsAndAliases(t *testing.T) {
	st := storetest.NewMem()
	c := New(st, func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })
	ctx := t.Context()
	if _, err := c.Create(ctx, Function{Name: "f", Runtime: "provided.al2023", Environment: map[string]string{"VV": "1"}}, testZip(t, "v1")); err != nil {
		t.Fatal(err)
	}
	v1, err := c.Publish(ctx, "f", "", "first", "")
	if err != nil || v1.Version != "1" || v1.Description != "first" {
		t.Fatalf("Publish = %+v, %v; want version 1", v1, err)
	}
	// Nothing changed: Lambda hands back the newest version.
	if again, err := c.Publish(ctx, "f", "", "", ""); err != nil || again.Version != "1" {
		t.Errorf("Publish unchanged = %q, %v; want 1", again.Version, err)
	}
	if _, err := c.Publish(ctx, "f", "bogus", "", ""); errType(err) != "InvalidParameterValueException" {
		t.Errorf("Publish with wrong CodeSha256: %v", err)
	}
	if _, err := c.UpdateConfig(ctx, "f", "", func(f *Function) { f.Environment = map[string]string{"VV": "2"} }); err != nil {
		t.Fatal(err)
	}
	v2, err := c.Publish(ctx, "f", "", "", "")
	if err != nil || v2.Version != "2" || v2.Environment["VV"] != "2" {
		t.Fatalf("second Publish = %+v, %v", v2, err)
	}
	if got, _ := c.Version("f", "1"); got.Environment["VV"] != "1" {
		t.Errorf("version 1 changed with $LATEST: %v", got.Environment)
	}

	aliasTests := []struct {
		name string
		a    Alias
		want string
	}{
		{"numeric name", Alias{Name: "12", FunctionVersion: "1"}, "InvalidParameterValueException"},
		{"missing version", Alias{Name: "live", FunctionVersion: "9"}, "ResourceNotFoundException"},
		{"weight over 1", Alias{Name: "live", FunctionVersion: "1", Weights: map[string]float64{"2": 1.5}}, "InvalidParameterValueException"},
		{"weight on primary", Alias{Name: "live", FunctionVersion: "1", Weights: map[string]float64{"1": 0.5}}, "InvalidParameterValueException"},
		{"two extra versions", Alias{Name: "live", FunctionVersion: "1", Weights: map[string]float64{"2": 0.1, "3": 0.1}}, "InvalidParameterValueException"},
		{"routing from $LATEST", Alias{Name: "live", FunctionVersion: Latest, Weights: map[string]float64{"2": 0.1}}, "InvalidParameterValueException"},
		{"ok", Alias{Name: "live", FunctionVersion: "1", Weights: map[string]float64{"2": 0.2}}, ""},
		{"exists", Alias{Name: "live", FunctionVersion: "1"}, "ResourceConflictException"},
	}
	for _, tt := range aliasTests {
		tt.a.Function = "f"
		if _, err := c.CreateAlias(ctx, tt.a); errType(err) != tt.want {
			t.Errorf("%s: CreateAlias = %v; want %q", tt.name, err, tt.want)
		}
	}
	for _, v := range []string{"1", "2"} {
		if err := c.DeleteVersion(ctx, "f", v); errType(err) != "ResourceConflictException" {
			t.Errorf("DeleteVersion(%s) used by alias = %v; want conflict", v, err)
		}
	}
	fn, a, ok := c.Resolve("f", "live")
	if !ok || fn.Version != "1" || a == nil || a.Weights["2"] != 0.2 {
		t.Errorf("Resolve(live) = %q %+v %v", fn.Version, a, ok)
	}

	// Everything survives a reload from the store.
	c2 := New(st, nil)
	if err := c2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if vs, _ := c2.Versions("f"); len(vs) != 3 || vs[1].Version != "1" || vs[2].Version != "2" {
		t.Errorf("reloaded versions = %d", len(vs))
	}
	if a, ok := c2.Alias("f", "live"); !ok || a.FunctionVersion != "1" {
		t.Errorf("reloaded alias = %+v, %v", a, ok)
	}

	// Version numbers are not reused after a delete.
	if _, err := c.UpdateAlias(ctx, "f", "live", "", func(a *Alias) { a.Weights = nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteVersion(ctx, "f", "2"); err != nil {
		t.Fatal(err)
	}
	c.UpdateConfig(ctx, "f", "", func(f *Function) { f.Timeout = 9 })
	if v3, _ := c.Publish(ctx, "f", "", "", ""); v3.Version != "3" {
		t.Errorf("version after delete = %q; want 3", v3.Version)
	}
	if err := c.Delete(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	if recs, _ := st.Records(ctx); len(recs) != 0 {
		t.Errorf("records left after Delete: %v", recs)
	}
}
