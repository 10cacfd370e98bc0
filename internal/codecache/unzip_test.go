package codecache

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name string
	body string
	mode fs.FileMode
}

func makeZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

func TestUnpackGoodArchive(t *testing.T) {
	dir := t.TempDir()
	data := makeZip(t,
		entry{name: "bootstrap", body: "#!/bin/sh\n", mode: 0o755},
		entry{name: "lib/", mode: fs.ModeDir | 0o755},
		entry{name: "lib/data.txt", body: "hello"},
		entry{name: "lib/link", body: "data.txt", mode: fs.ModeSymlink | 0o777},
		entry{name: "./plain.txt", body: "x"},
	)
	if err := Unpack(data, dir, DefaultLimits); err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "bootstrap"))
	if err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("bootstrap: %v, mode %v; want executable", err, fi.Mode())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "lib", "link")); err != nil || string(b) != "hello" {
		t.Errorf("read through link = %q, %v", b, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "plain.txt")); string(b) != "x" {
		t.Errorf("plain.txt = %q", b)
	}
}

func TestUnpackRefusesUnsafeArchives(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		want    error
	}{
		{"parent path", []entry{{name: "../evil", body: "x"}}, ErrUnsafe},
		{"nested parent path", []entry{{name: "a/../../evil", body: "x"}}, ErrUnsafe},
		{"absolute path", []entry{{name: "/etc/evil", body: "x"}}, ErrUnsafe},
		{"backslash", []entry{{name: `..\evil`, body: "x"}}, ErrUnsafe},
		{"absolute link", []entry{{name: "l", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777}}, ErrUnsafe},
		{"escaping link", []entry{{name: "l", body: "../../x", mode: fs.ModeSymlink | 0o777}}, ErrUnsafe},
		{"link through link", []entry{
			{name: "a", body: ".", mode: fs.ModeSymlink | 0o777},
			{name: "b", body: "a/..", mode: fs.ModeSymlink | 0o777},
		}, ErrUnsafe},
		{"device", []entry{{name: "dev", mode: fs.ModeDevice | 0o644}}, ErrUnsafe},
		{"too big", []entry{{name: "big", body: strings.Repeat("a", 2000)}}, ErrTooBig},
		{"too many files", []entry{{name: "1"}, {name: "2"}, {name: "3"}, {name: "4"}}, ErrTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "pkg")
			os.Mkdir(dir, 0o755)
			err := Unpack(makeZip(t, tt.entries...), dir, Limits{MaxBytes: 1000, MaxFiles: 3})
			if !errors.Is(err, tt.want) {
				t.Errorf("Unpack = %v; want %v", err, tt.want)
			}
			// Nothing was written beside the package directory.
			got, _ := os.ReadDir(root)
			if len(got) != 1 {
				t.Errorf("%d entries beside the package; want none", len(got)-1)
			}
		})
	}
}

func TestCacheUnpacksOnce(t *testing.T) {
	c := New(t.TempDir(), DefaultLimits)
	data := makeZip(t, entry{name: "bootstrap", body: "x", mode: 0o755})
	fetches := 0
	fetch := func() ([]byte, error) { fetches++; return data, nil }
	for range 3 {
		dir, err := c.Dir(t.Context(), "abc123", func(ctx context.Context) ([]byte, error) { return fetch() })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
			t.Fatal(err)
		}
	}
	if fetches != 1 {
		t.Errorf("fetched %d times; want 1", fetches)
	}
	if _, err := c.Dir(t.Context(), "../x", func(context.Context) ([]byte, error) { return data, nil }); err == nil {
		t.Error("a key with a path in it was accepted")
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(makeZip(f, entry{name: "bootstrap", body: "x", mode: 0o755}))
	f.Add(makeZip(f, entry{name: "a/b/c", body: "x"}, entry{name: "l", body: "a/b", mode: fs.ModeSymlink | 0o777}))
	f.Add(makeZip(f, entry{name: "../x", body: "x"}))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "pkg")
		os.Mkdir(dir, 0o755)
		Unpack(data, dir, Limits{MaxBytes: 1 << 20, MaxFiles: 100})
		// Whatever the archive, nothing lands outside dir.
		entries, _ := os.ReadDir(root)
		if len(entries) != 1 {
			t.Fatalf("archive wrote beside the package: %v", entries)
		}
	})
}
