package http

import (
	"bytes"
	"dossier/archive"
	"dossier/archive/cases"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

const actorKey = "dossier.actor"

// authenticate resolves the bearer token into an actor; every /api/v1
// route but the public ones needs one.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="dossier"`)
		s.Fail(c, archive.Errorf(archive.EUNAUTHORIZED, "send an API token as Authorization: Bearer <token>"))
		return
	}
	a, err := s.svc.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		if archive.ErrorCode(err) == archive.EUNAUTHORIZED {
			c.Header("WWW-Authenticate", `Bearer realm="dossier", error="invalid_token"`)
		}
		s.Fail(c, err)
		return
	}
	a.Remote = c.ClientIP()
	SetActor(c, a)
	c.Next()
}

// Actor is the caller of the request: the API token's, or the page
// session's.
func Actor(c *gin.Context) archive.Actor {
	a, _ := c.Get(actorKey)
	return a.(archive.Actor)
}

// SetActor makes a the caller of the request.
func SetActor(c *gin.Context, a archive.Actor) { c.Set(actorKey, a) }

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads one JSON object into v, strictly: unknown fields,
// trailing data, wrong types and oversized bodies are client errors with
// a message saying what to fix.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return archive.Errorf(archive.EUNSUPPORTED, "send the request body as application/json, not %s", ct)
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBody+1))
	if err != nil {
		var ae *archive.Error
		if errors.As(err, &ae) { // the server's own cut-off of a stalled body says so
			return err
		}
		return archive.Errorf(archive.EINVALID, "the request body could not be read")
	}
	return DecodeStrict(body, v)
}

// DecodeStrict decodes one JSON object into v with unknown fields and
// trailing data refused. Errors are EINVALID and say where the problem is.
func DecodeStrict(body []byte, v any) error {
	if len(body) > maxJSONBody {
		return archive.Errorf(archive.ETOOLARGE, "the JSON body is larger than %d bytes", archive.SizeArg(maxJSONBody))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return archive.Errorf(archive.EINVALID, "the request body is empty; send a JSON object")
	}
	// encoding/json would silently replace invalid bytes with U+FFFD:
	// what is stored must be what was sent.
	if !utf8.Valid(body) {
		return archive.Errorf(archive.EINVALID, "the request body is not valid UTF-8; send text in UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return archive.Errorf(archive.EINVALID, "invalid JSON body: data after the JSON object")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return archive.Errorf(archive.EINVALID, "invalid JSON body: data after the JSON object")
	}
	return nil
}

// jsonProblem says what is wrong with a JSON body encoding/json refused.
func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return archive.Errorf(archive.EINVALID, "invalid JSON body: syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return archive.Errorf(archive.EINVALID, "invalid JSON body: field %s must be %s, not %s", te.Field, jsonType(te.Type.Kind().String()), jsonValue(te.Value))
		}
		return archive.Errorf(archive.EINVALID, "invalid JSON body: expected a JSON object, not %s", jsonValue(te.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return archive.Errorf(archive.EINVALID, "invalid JSON body: the JSON ends too early")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return archive.Errorf(archive.EINVALID, "invalid JSON body: unknown field %s", f)
	}
	return archive.Errorf(archive.EINVALID, "invalid JSON body: not a JSON object")
}

// jsonType words a Go kind as the JSON a client should send; like
// jsonValue, it is a message of its own, so that a translation words it.
func jsonType(kind string) *archive.Error {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return archive.Errorf(archive.EINVALID, "a whole number")
	case "string":
		return archive.Errorf(archive.EINVALID, "a string")
	case "slice", "array":
		return archive.Errorf(archive.EINVALID, "an array")
	case "struct", "map":
		return archive.Errorf(archive.EINVALID, "an object")
	case "bool":
		return archive.Errorf(archive.EINVALID, "true or false")
	}
	return archive.Errorf(archive.EINVALID, "a number")
}

// jsonValue words what the client sent, as encoding/json describes it
// ("string", "number 1.5", "bool", …).
func jsonValue(v string) any {
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	switch v {
	case "bool":
		return archive.Errorf(archive.EINVALID, "true or false")
	case "array":
		return archive.Errorf(archive.EINVALID, "an array")
	case "object":
		return archive.Errorf(archive.EINVALID, "an object")
	case "string":
		return archive.Errorf(archive.EINVALID, "a string")
	case "number":
		return archive.Errorf(archive.EINVALID, "a number")
	}
	return v
}

func (s *Server) createCase(c *gin.Context) {
	var in cases.NewCase
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	v, err := s.svc.CreateCase(c.Request.Context(), Actor(c), in)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/cases/"+v.ID)
	c.JSON(http.StatusCreated, v)
}

func (s *Server) listCases(c *gin.Context) {
	f := archive.CaseFilter{Status: c.Query("status"), Stage: c.Query("stage"), BusinessType: c.Query("business_type"), Handler: c.Query("handler")}
	if f.Handler == "me" {
		f.Handler = Actor(c).UserID
	}
	if o := c.Query("overdue"); o != "" {
		b, err := strconv.ParseBool(o)
		if err != nil {
			s.Fail(c, archive.Errorf(archive.EINVALID, "overdue: must be true or false"))
			return
		}
		f.Overdue = &b
	}
	limit, err := queryLimit(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	page, err := s.svc.ListCases(c.Request.Context(), Actor(c), f, c.Query("cursor"), limit)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func queryLimit(c *gin.Context) (int, error) {
	l := c.Query("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 {
		return 0, archive.Errorf(archive.EINVALID, "limit: must be a whole number from 1")
	}
	return n, nil
}

// pageOf cuts the page ?limit=&cursor= asks for out of items, which are
// sorted by key, highest first, as GET /api/v1/cases pages: at most limit
// items (default 50, at most 500) whose keys sort below the cursor, and
// the key of the last as the next cursor when more follow. Errors:
// EINVALID for a bad limit or cursor.
func pageOf[T any](c *gin.Context, items []T, key func(T) string) (page []T, next string, err error) {
	limit, err := queryLimit(c)
	if err != nil {
		return nil, "", err
	}
	cursor := c.Query("cursor")
	if cursor != "" && !archive.ValidCaseID(cursor) {
		return nil, "", archive.Errorf(archive.EINVALID, "cursor: not a cursor this API returned")
	}
	if limit == 0 {
		limit = 50
	}
	if limit > 500 {
		return nil, "", archive.Errorf(archive.EINVALID, "limit: at most 500")
	}
	i := 0
	if cursor != "" {
		i = sort.Search(len(items), func(i int) bool { return key(items[i]) < cursor })
	}
	end := min(i+limit, len(items))
	if end < len(items) {
		next = key(items[end-1])
	}
	return items[i:end], next, nil
}

// answerPage answers a page of a listing as {name: [...], next_cursor},
// the cursor left out on the last page.
func answerPage[T any](s *Server, c *gin.Context, name string, items []T, key func(T) string, err error) {
	if err != nil {
		s.Fail(c, err)
		return
	}
	page, next, err := pageOf(c, items, key)
	if err != nil {
		s.Fail(c, err)
		return
	}
	out := gin.H{name: page}
	if next != "" {
		out["next_cursor"] = next
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getCase(c *gin.Context) {
	// Case handlers and the applicant get the full numbers unless they
	// say ?unmask=false; archivists and auditors ask with ?unmask=true.
	a := Actor(c)
	q := c.Query("unmask")
	unmask := q == "true" || (q == "" && (a.SeesPersonalData() || a.Has(archive.RoleApplicant)))
	v, err := s.svc.GetCase(c.Request.Context(), a, c.Param("id"), unmask)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// uploadMaterial streams a multipart upload straight into the object
// store: the material code comes first (a form field before the file, or
// ?material=), then the file part, which is never held in memory whole.
func (s *Server) uploadMaterial(c *gin.Context) {
	code := c.Query("material")
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.Fail(c, archive.Errorf(archive.EUNSUPPORTED, "send the material as multipart/form-data with a material field and a file part"))
		return
	}
	s.LimitUpload(c)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			s.Fail(c, archive.Errorf(archive.EINVALID, "the form has no file part; send the document as the field \"file\""))
			return
		}
		if err != nil {
			s.Fail(c, s.UploadError(err))
			return
		}
		switch part.FormName() {
		case "material":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				s.Fail(c, s.UploadError(err))
				return
			}
			code = strings.TrimSpace(string(b))
		case "file":
			if code == "" {
				s.Fail(c, archive.Errorf(archive.EINVALID, "field material: send the material code (a catalogue code) before the file part, or as ?material="))
				return
			}
			m, err := s.svc.AddMaterial(c.Request.Context(), Actor(c), c.Param("id"), code, part.FileName(), part)
			if err != nil {
				s.Fail(c, s.UploadError(err))
				return
			}
			c.JSON(http.StatusCreated, m)
			return
		}
		part.Close()
	}
}

// LimitUpload bounds the request body of an upload: the largest material
// and room for the form's other fields.
func (s *Server) LimitUpload(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.maxUpload+1<<20)
}

// UploadError turns a failure to read an upload's body into a client
// error: ETOOLARGE over the limit, EINVALID for a broken body; errors
// with a code are kept.
func (s *Server) UploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return archive.Errorf(archive.ETOOLARGE, "the upload is larger than the limit of %d bytes", archive.SizeArg(s.maxUpload))
	}
	var ae *archive.Error
	if errors.As(err, &ae) {
		return err
	}
	return archive.Errorf(archive.EINVALID, "the multipart body could not be read: %v", err)
}

func (s *Server) getMaterial(c *gin.Context) {
	rc, m, err := s.svc.OpenMaterial(c.Request.Context(), Actor(c), c.Param("id"), c.Param("mid"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.SendContent(c, rc, Content{Type: m.ContentType, Size: m.Size, SHA256: m.SHA256, Filename: m.Filename, ASCIIStem: m.Code + "-" + m.ID})
}

func (s *Server) resubmit(c *gin.Context) {
	v, err := s.svc.Resubmit(c.Request.Context(), Actor(c), c.Param("id"))
	s.answer(c, v, err)
}

func (s *Server) acceptance(c *gin.Context) {
	var in archive.AcceptanceInput
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	v, err := s.svc.Acceptance(c.Request.Context(), Actor(c), c.Param("id"), in)
	s.answer(c, v, err)
}

func (s *Server) extension(c *gin.Context) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	v, err := s.svc.ExtendAcceptance(c.Request.Context(), Actor(c), c.Param("id"), in.Reason)
	s.answer(c, v, err)
}

func (s *Server) review(c *gin.Context) {
	var in archive.ReviewInput
	if err := decodeJSON(c, &in); err != nil {
		s.Fail(c, err)
		return
	}
	v, err := s.svc.Review(c.Request.Context(), Actor(c), c.Param("id"), in)
	s.answer(c, v, err)
}

func (s *Server) answer(c *gin.Context, v any, err error) {
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
