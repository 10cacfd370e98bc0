package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// buildGo builds the Go package pkg as a Lambda bootstrap for Linux and
// returns it zipped.
func buildGo(ctx context.Context, e *env, pkg, arch string) ([]byte, error) {
	goarch := map[string]string{"x86_64": "amd64", "arm64": "arm64"}[arch]
	if goarch == "" {
		return nil, fmt.Errorf("unknown architecture %q: use x86_64 or arm64", arch)
	}
	dir := ""
	if fi, err := os.Stat(pkg); err == nil && fi.IsDir() {
		// A directory builds inside its own module, wherever we run from.
		dir, pkg = pkg, "."
	}
	tmp, err := os.MkdirTemp("", "lamina-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	cmd.Stdout = e.stderr
	cmd.Stderr = e.stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build %s: %w", pkg, err)
	}
	return zipDir(tmp)
}

// zipDir zips the regular files under dir, keeping their modes, so that
// bootstrap stays executable.
func zipDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		hdr.Method = zip.Deflate
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("zip %s: %w", dir, err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
