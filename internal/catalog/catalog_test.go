package catalog

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/store/storetest"
)

func testZip(t *testing.T, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte(content))
	zw.Close()
	return buf.Bytes()
}

func errType(err error) string {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae.Type
	}
	return ""
}

func TestCreateAppliesDefaultsAndPersists(t *testing.T) {
	st := storetest.NewMem()
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := New(st, func() time.Time { return clock })
	var changed []string
	c.OnChange(func(name string) { changed = append(changed, name) })
	fn, err := c.Create(t.Context(), Function{Name: "f", Runtime: "provided.al2023"}, testZip(t, "v1"))
	if err != nil {
		t.Fatal(err)
	}
	if fn.MemorySize != 128 || fn.Timeout != 3 || fn.EphemeralStorage != 512 || fn.Handler != "bootstrap" ||
		fn.Architectures[0] != "x86_64" || !fn.LastModified.Equal(clock) || fn.RevisionID == "" || fn.CodeKey == "" {
		t.Errorf("created = %+v", fn)
	}
	if len(changed) != 1 || changed[0] != "f" {
		t.Errorf("OnChange heard %v", changed)
	}
	// A second catalog over the same store sees it.
	c2 := New(st, nil)
	if err := c2.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, ok := c2.Get("f"); !ok || got.RevisionID != fn.RevisionID {
		t.Errorf("loaded = %+v, %v", got, ok)
	}
	if _, err := c.Create(t.Context(), Function{Name: "f", Runtime: "provided.al2023"}, testZip(t, "v1")); errType(err) != awserr.TypeResourceConflict {
		t.Errorf("duplicate Create = %v", err)
	}
}

func TestRevisionsAndCodeSharing(t *testing.T) {
	st := storetest.NewMem()
	c := New(st, nil)
	a, _ := c.Create(t.Context(), Function{Name: "a", Runtime: "provided"}, testZip(t, "same"))
	c.Create(t.Context(), Function{Name: "b", Runtime: "provided"}, testZip(t, "same"))
	if st.Blobs() != 1 {
		t.Fatalf("%d blobs for one shared package", st.Blobs())
	}
	if _, err := c.UpdateConfig(t.Context(), "a", "stale", func(f *Function) { f.Timeout = 9 }); errType(err) != awserr.TypePreconditionFailed {
		t.Errorf("stale revision = %v", err)
	}
	up, err := c.UpdateConfig(t.Context(), "a", a.RevisionID, func(f *Function) { f.Timeout = 9 })
	if err != nil || up.Timeout != 9 || up.RevisionID == a.RevisionID {
		t.Errorf("UpdateConfig = %+v, %v", up, err)
	}
	if _, err := c.UpdateConfig(t.Context(), "a", "", func(f *Function) { f.MemorySize = 64 }); errType(err) != awserr.TypeInvalidParameterValue {
		t.Errorf("invalid memory = %v", err)
	}
	if got, _ := c.Get("a"); got.MemorySize != 128 {
		t.Errorf("a rejected change was kept: memory %d", got.MemorySize)
	}
	// New code for a; the shared package stays for b.
	if _, err := c.UpdateCode(t.Context(), "a", testZip(t, "new"), "", false); err != nil {
		t.Fatal(err)
	}
	if st.Blobs() != 2 {
		t.Errorf("%d blobs; want the shared one and a's new one", st.Blobs())
	}
	if err := c.Delete(t.Context(), "b"); err != nil {
		t.Fatal(err)
	}
	if st.Blobs() != 1 {
		t.Errorf("%d blobs after deleting b; want only a's", st.Blobs())
	}
	if err := c.Delete(t.Context(), "b"); errType(err) != awserr.TypeResourceNotFound {
		t.Errorf("second Delete = %v", err)
	}
	if _, err := c.UpdateCode(t.Context(), "a", []byte("not a zip"), "", true); errType(err) != awserr.TypeInvalidParameterValue {
		t.Errorf("DryRun with a bad zip = %v", err)
	}
}
