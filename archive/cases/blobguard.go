package cases

import (
	"context"
	"dossier/archive"
)

// attach runs the upload's append under the blob's lock. A blob that
// existed before the put is checked again under the lock, since a
// disposal may have deleted it in between.
func (s *Service) attach(ctx context.Context, blob archive.BlobInfo, appendFn func() error) error {
	defer s.blobs.Lock(blob.SHA256)()
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
	s.blobs.Attached(blob.SHA256, archive.SystemClock())
	return nil
}
