package diskstore

import (
	"context"
	"dossier/archive/changes"
)

// Watch implements changes.Watcher: every Create, PutBlob and Delete of
// this process is reported.
func (s *Store) Watch(ctx context.Context) (<-chan changes.Change, error) {
	return s.changes.Watch(ctx), nil
}

// LocalOnly implements changes.LocalOnly: the directory store is meant
// for one process.
func (s *Store) LocalOnly() {}
