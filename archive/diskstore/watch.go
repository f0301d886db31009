package diskstore

import (
	"context"

	"dossier/archive"
)

// Watch implements archive.Watcher: every Create, PutBlob and Delete of
// this process is reported.
func (s *Store) Watch(ctx context.Context) (<-chan archive.Change, error) {
	return s.changes.Watch(ctx), nil
}

// LocalOnly implements archive.LocalOnly: the directory store is meant
// for one process.
func (s *Store) LocalOnly() {}
