package serialize

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// AtomicWriteFile replaces the file at path with what write writes, so that at every moment
// the path holds either the complete old file or the complete new one, even if the process is
// killed or the machine loses power mid-save.
//
// write gets a buffered writer on a temporary file in the same directory (".<name>.tmp-*");
// then the file is flushed, fsynced and closed, renamed over path, and the directory is
// fsynced so that the rename itself is durable. If write or any step fails, the temporary
// file is removed and path is untouched. The new file keeps the old one's permission bits,
// or gets 0644. (A process killed by SIGKILL leaves its temporary file behind; it never
// replaces path.)
func AtomicWriteFile(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("serialize: %q names a directory, not a file", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done { // an error or a panic in write
			f.Close()
			os.Remove(tmp)
		}
	}()
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	done = true
	return syncDir(dir)
}

// syncDir fsyncs a directory so that a rename in it survives a crash. Windows cannot open a
// directory for syncing, and its rename is already durable enough for our purpose.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
