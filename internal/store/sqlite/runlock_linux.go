//go:build linux

package sqlite

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes the run lock of key across processes: an open file
// description lock (F_OFD_SETLK) on one byte of the file <db>.runlock, the
// byte chosen by key. The kernel releases it when the process ends, SIGKILL
// included, so a killed run never leaves its lock behind. busy reports that
// another process holds it.
func (s *Store) lockFile(key string) (unlock func(), busy bool, err error) {
	f, err := os.OpenFile(s.path+".runlock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: open run lock file: %w", err)
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: int64(h.Sum32() % (1 << 20)), Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("sqlite: take run lock: %w", err)
	}
	return func() { f.Close() }, false, nil // closing the description releases its lock
}
