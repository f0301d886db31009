package s3store

import (
	"context"
	"dossier/archive/changes"
)

// Watch implements changes.Watcher: every Create and Delete of this
// process is reported (blobs are not: they are content, named by the
// events that refer to them).
//
// MinIO's own bucket notifications (ListenBucketNotification) would
// report every process's writes, but the MinIO this project runs holds
// the notification stream in a 4 KiB buffer that is never flushed (its
// tracking response writer hides http.Flusher), so a quiet bucket's
// changes arrive minutes late; archive/follow's journal reports them
// within a poll instead, and works on any S3.
func (s *Store) Watch(ctx context.Context) (<-chan changes.Change, error) {
	return s.changes.Watch(ctx), nil
}
