package codecache

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits bound what an unpacked package may occupy.
type Limits struct {
	MaxBytes int64 // total uncompressed bytes
	MaxFiles int   // entries in the archive
}

// DefaultLimits are Lambda's: 250 MB unzipped.
var DefaultLimits = Limits{MaxBytes: 250 << 20, MaxFiles: 20000}

// ErrUnsafe reports an archive entry that would escape the target
// directory or is of a kind lamina will not create.
var ErrUnsafe = errors.New("unsafe archive entry")

// ErrTooBig reports an archive over its limits.
var ErrTooBig = errors.New("archive exceeds limits")

// Unpack extracts the zip in data into dir, which must exist and be empty.
// Entry names are checked before anything is written: absolute paths, ".."
// components and device files are refused, and a symlink is created only
// when its target stays inside dir. The declared and the actual sizes are
// both bounded by lim.
func Unpack(data []byte, dir string, lim Limits) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("read zip: %w", err)
	}
	if len(zr.File) > lim.MaxFiles {
		return fmt.Errorf("%w: %d entries, at most %d", ErrTooBig, len(zr.File), lim.MaxFiles)
	}
	budget := lim.MaxBytes
	// Symlinks are made after every file and directory, so no write can be
	// redirected through one, and are then checked as the OS resolves them.
	var links []*zip.File
	for _, f := range zr.File {
		rel, err := cleanName(f.Name)
		if err != nil {
			return err
		}
		if rel == "" {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("create dir %s: %w", rel, err)
			}
		case mode&fs.ModeSymlink != 0:
			links = append(links, f)
		case mode.IsRegular():
			if err := writeFile(f, rel, target, &budget); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %s has mode %s", ErrUnsafe, f.Name, mode)
		}
	}
	for _, f := range links {
		rel, _ := cleanName(f.Name)
		if err := writeSymlink(f, rel, filepath.Join(dir, filepath.FromSlash(rel)), &budget); err != nil {
			return err
		}
	}
	return checkLinks(dir, links)
}

// checkLinks resolves every link as the OS would and refuses any that
// lands outside dir or nowhere, which lexical checks alone cannot see when
// links point through other links.
func checkLinks(dir string, links []*zip.File) error {
	if len(links) == 0 {
		return nil
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", dir, err)
	}
	for _, f := range links {
		rel, _ := cleanName(f.Name)
		real, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("%w: link %s does not resolve: %v", ErrUnsafe, rel, err)
		}
		if real != root && !strings.HasPrefix(real, root+string(filepath.Separator)) {
			return fmt.Errorf("%w: link %s leaves the package", ErrUnsafe, rel)
		}
	}
	return nil
}

// cleanName turns an entry name into a clean relative slash path, or
// refuses it.
func cleanName(name string) (string, error) {
	if strings.ContainsRune(name, 0) || strings.Contains(name, `\`) {
		return "", fmt.Errorf("%w: %q", ErrUnsafe, name)
	}
	if path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("%w: absolute path %q", ErrUnsafe, name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %q leaves the package", ErrUnsafe, name)
		}
	}
	rel := path.Clean(name)
	if rel == "." {
		return "", nil
	}
	return rel, nil
}

func writeFile(f *zip.File, rel, target string, budget *int64) error {
	if int64(f.UncompressedSize64) > *budget || f.UncompressedSize64 > 1<<62 {
		return fmt.Errorf("%w: %s", ErrTooBig, rel)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("create dir for %s: %w", rel, err)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", rel, err)
	}
	defer rc.Close()
	perm := f.Mode().Perm() | 0o400 // Lambda makes every file readable by the runtime
	if f.Mode().Perm()&0o111 != 0 {
		perm |= 0o111
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", rel, err)
	}
	// Read one byte more than the budget, so a lying header is caught.
	n, err := io.Copy(out, io.LimitReader(rc, *budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if n > *budget {
		return fmt.Errorf("%w: %s", ErrTooBig, rel)
	}
	*budget -= n
	return nil
}

func writeSymlink(f *zip.File, rel, target string, budget *int64) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", rel, err)
	}
	link, err := io.ReadAll(io.LimitReader(rc, 4096))
	rc.Close()
	if err != nil {
		return fmt.Errorf("read link %s: %w", rel, err)
	}
	dest := string(link)
	if dest == "" || path.IsAbs(dest) || strings.ContainsRune(dest, 0) {
		return fmt.Errorf("%w: link %s -> %q", ErrUnsafe, rel, dest)
	}
	resolved := path.Join(path.Dir(rel), dest)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Errorf("%w: link %s -> %q leaves the package", ErrUnsafe, rel, dest)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("create dir for %s: %w", rel, err)
	}
	*budget -= int64(len(link))
	if err := os.Symlink(dest, target); err != nil {
		return fmt.Errorf("link %s: %w", rel, err)
	}
	return nil
}
