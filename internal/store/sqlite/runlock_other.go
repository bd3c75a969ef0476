//go:build !linux

package sqlite

// lockFile is the cross-process run lock; on systems without open file
// description locks only the in-process lock applies.
func (s *Store) lockFile(string) (unlock func(), busy bool, err error) {
	return func() {}, false, nil
}
