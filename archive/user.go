package archive

// UserProjection is the BoltDB copy of the users in the object store.
type UserProjection interface{}
