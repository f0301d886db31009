package boltdb

import (
	"context"
	"dossier/archive"
	"dossier/archive/users"
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketUsers        = []byte("users")
	bucketUsersByName  = []byte("users_by_name")  // folded name → id
	bucketUsersByToken = []byte("users_by_token") // token sha256 hex → id, unrevoked only

	userBuckets = [][]byte{bucketUsers, bucketUsersByName, bucketUsersByToken}
)

var _ users.UserProjection = (*DB)(nil)

// userRecord is how a user is stored: the API form plus the hashes that
// the API form leaves out. archive.User must not get a MarshalJSON method,
// or it would be promoted here and drop the hashes.
type userRecord struct {
	users.User
	PasswordHash string            `json:"password_hash,omitempty"`
	TokenSHA256  map[string]string `json:"token_sha256,omitempty"` // token id → hash
	IDNumber     string            `json:"id_number,omitempty"`
}

func encodeUser(u *users.User) ([]byte, error) {
	rec := userRecord{User: *u, PasswordHash: u.PasswordHash, TokenSHA256: map[string]string{}, IDNumber: u.IDNumber}
	for _, t := range u.Tokens {
		rec.TokenSHA256[t.ID] = t.SHA256
	}
	return json.Marshal(rec)
}

func decodeUser(v []byte) (*users.User, error) {
	var rec userRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, err
	}
	u := rec.User
	u.PasswordHash, u.IDNumber = rec.PasswordHash, rec.IDNumber
	for i := range u.Tokens {
		u.Tokens[i].SHA256 = rec.TokenSHA256[u.Tokens[i].ID]
	}
	return &u, nil
}

func getUser(tx *bolt.Tx, id []byte) (*users.User, error) {
	v := tx.Bucket(bucketUsers).Get(id)
	if v == nil {
		return nil, archive.Errorf(archive.ENOTFOUND, "user %s does not exist", id)
	}
	return decodeUser(v)
}

// User implements archive.UserProjection.
func (d *DB) User(ctx context.Context, id string) (*users.User, error) {
	var u *users.User
	err := d.view(func(tx *bolt.Tx) (err error) {
		u, err = getUser(tx, []byte(id))
		return err
	})
	return u, err
}

// UserByName implements archive.UserProjection.
func (d *DB) UserByName(ctx context.Context, name string) (*users.User, error) {
	var u *users.User
	err := d.view(func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(bucketUsersByName).Get([]byte(users.FoldUserName(name)))
		if id == nil {
			return archive.Errorf(archive.ENOTFOUND, "no user is named %s", name)
		}
		u, err = getUser(tx, id)
		return err
	})
	return u, err
}

// UserIDByTokenHash implements archive.UserProjection.
func (d *DB) UserIDByTokenHash(ctx context.Context, sum string) (string, error) {
	var id string
	err := d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUsersByToken).Get([]byte(sum))
		if v == nil {
			return archive.Errorf(archive.ENOTFOUND, "no user holds this token")
		}
		id = string(v)
		return nil
	})
	return id, err
}

// PutUsers implements archive.UserProjection.
func (d *DB) PutUsers(ctx context.Context, users ...*users.User) error {
	vals := make([][]byte, len(users))
	for i, u := range users {
		v, err := encodeUser(u)
		if err != nil {
			return archive.E("boltdb.PutUsers", archive.EINTERNAL, err)
		}
		vals[i] = v
	}
	return wrap("boltdb.PutUsers", d.db.Update(func(tx *bolt.Tx) error {
		for i, u := range users {
			if err := putUser(tx, u, vals[i]); err != nil {
				return err
			}
		}
		return nil
	}))
}

func putUser(tx *bolt.Tx, u *users.User, val []byte) error {
	id := []byte(u.ID)
	byName, byToken := tx.Bucket(bucketUsersByName), tx.Bucket(bucketUsersByToken)
	if oldVal := tx.Bucket(bucketUsers).Get(id); oldVal != nil {
		old, err := decodeUser(oldVal)
		if err != nil {
			return err
		}
		if old.Seq > u.Seq {
			return nil
		}
		// Drop the old index entries that still point here.
		if k := []byte(users.FoldUserName(old.Name)); string(byName.Get(k)) == u.ID {
			if err := byName.Delete(k); err != nil {
				return err
			}
		}
		for _, t := range old.Tokens {
			if k := []byte(t.SHA256); string(byToken.Get(k)) == u.ID {
				if err := byToken.Delete(k); err != nil {
					return err
				}
			}
		}
	}
	if err := tx.Bucket(bucketUsers).Put(id, val); err != nil {
		return err
	}
	if err := byName.Put([]byte(users.FoldUserName(u.Name)), id); err != nil {
		return err
	}
	for _, t := range u.Tokens {
		if !t.Revoked && t.SHA256 != "" {
			if err := byToken.Put([]byte(t.SHA256), id); err != nil {
				return err
			}
		}
	}
	return nil
}

// UserSeqs implements archive.UserProjection.
func (d *DB) UserSeqs(ctx context.Context, fn func(id string, seq uint64) error) error {
	return d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var u struct {
				Seq uint64 `json:"seq"`
			}
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			return fn(string(k), u.Seq)
		})
	})
}

// ListUsers implements archive.UserProjection.
func (d *DB) ListUsers(ctx context.Context) ([]*users.User, error) {
	users := []*users.User{}
	err := d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			u, err := decodeUser(v)
			if err != nil {
				return err
			}
			users = append(users, u)
			return nil
		})
	})
	return users, err
}
