package cases

import (
	"context"
	"dossier/archive"
)

// attach runs the upload's append under the blob's lock. A blob that
// existed before the put is checked again under the lock, since a
// disposal may have deleted it in between.
func (s *Service) attach(ctx context.Context, blob archive.BlobInfo, appendFn func() error) error {
	unlock, err := s.blobs.Lock(ctx, blob.SHA256)
	if err != nil {
		return err
	}
	defer unlock()
	if blob.Existed {
		if _, err := s.Store.Stat(ctx, blob.Key); archive.IsCode(err, archive.ENOTFOUND) {
			return archive.Errorf(archive.ECONFLICT, "the same content was destroyed by a disposal at this moment; send the file again")
		} else if err != nil {
			return err
		}
	}
	if err := appendFn(); err != nil {
		return err
	}
	// The mark keeps a disposal elsewhere, whose snapshot predates this
	// event, from deleting the content. The material is stored already;
	// a store that takes the event and then refuses the mark is
	// unavailable, and the answer says so.
	return s.blobs.Attached(ctx, blob.SHA256, archive.SystemClock())
}
