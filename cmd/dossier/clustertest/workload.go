package clustertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Crew is the people one client works as: a clerk who signs in to the
// web pages (with a password), files cases, uploads and accepts, and the
// three reviewers of the stages after acceptance, each a different user
// as the workflow asks. Tokens are API tokens.
type Crew struct {
	Clerk, Password                            string
	ClerkToken, Reviewer, Supervisor, Approver string
}

// AddCrew creates client i's crew in the bucket through the CLI; prefix
// keeps names of different runs apart.
func (s *Set) AddCrew(ctx context.Context, prefix string, i int) (Crew, error) {
	c := Crew{Clerk: fmt.Sprintf("%sclerk%c", prefix, 'a'+i), Password: "cluster-" + fmt.Sprint(i) + "-密码"}
	var err error
	if c.ClerkToken, err = s.AddUser(ctx, c.Clerk, "clerk", c.Password); err != nil {
		return c, err
	}
	for _, u := range []struct {
		role string
		tok  *string
	}{{"reviewer", &c.Reviewer}, {"supervisor", &c.Supervisor}, {"approver", &c.Approver}} {
		if *u.tok, err = s.AddUser(ctx, fmt.Sprintf("%s%s%c", prefix, u.role, 'a'+i), u.role, c.Password); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Write is one acknowledged write: the case it belongs to, what it was
// (case, material, decision) and, for a material, its id; for a
// decision, how many decisions the case has had with it.
type Write struct {
	Case string
	Kind string
	Ref  string
	N    int
	At   time.Time
}

// Answer is one request that did not get the answer the workflow
// expects: a 502 or 503 of the balancer, or an anomaly (another status,
// or no answer at all).
type Answer struct {
	At     time.Time
	Method string
	Path   string
	Status int // 0: no answer
	Body   string
}

func (a Answer) String() string {
	return fmt.Sprintf("%s %s %s → %d %s", a.At.Format("15:04:05.000"), a.Method, a.Path, a.Status, a.Body)
}

// Log gathers what every client saw.
type Log struct {
	mu       sync.Mutex
	Requests int
	Rounds   int
	Writes   []Write
	Gateway  []Answer // 502 and 503, and connections dropped without an answer (Status 0)
	Anomaly  []Answer // any other unexpected answer
	// Stale are answers of a server that had not yet seen the client's
	// previous write, retried (see Client.do).
	Stale []Answer
}

func (l *Log) add(w Write) {
	l.mu.Lock()
	l.Writes = append(l.Writes, w)
	l.mu.Unlock()
}

// Snapshot copies the log under its lock.
func (l *Log) Snapshot() (requests, rounds int, writes []Write, gateway, anomaly, stale []Answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Requests, l.Rounds, append([]Write(nil), l.Writes...), append([]Answer(nil), l.Gateway...),
		append([]Answer(nil), l.Anomaly...), append([]Answer(nil), l.Stale...)
}

// Client is one browser and API client going through the balancer.
type Client struct {
	base string
	crew Crew
	http *http.Client
	log  *Log
	n    int
	// lastAck is when the client's last API write was acknowledged.
	lastAck time.Time
}

// NewClient returns client i of base working as crew, recording into
// log. It follows no redirects (it checks them) and keeps cookies, a new
// jar each round (a new browser session). It connects from its own
// loopback address, 127.0.0.(10+i), as a person at their own machine
// would: the balancer passes it on in X-Forwarded-For, and the sign-in
// limit counts per address.
func NewClient(base string, i int, crew Crew, log *Log) *Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i))}, Timeout: 10 * time.Second}
	return &Client{base: base, crew: crew, log: log, http: &http.Client{
		Timeout:       90 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4, DialContext: dialer.DialContext},
	}}
}

// errAbandoned ends a round whose request did not get its answer: what
// came after depended on it.
type errAbandoned struct{ a Answer }

func (e errAbandoned) Error() string { return e.a.String() }

// do sends one request and checks its status against want. An answer
// with another status is recorded (502/503 apart from the rest) and
// returned as errAbandoned.
//
// Servers follow each other within about a second (issue 16), so a
// write on a case that the previous write on another server changed may
// meet the case as it was: such an answer (404, 403, 409 within
// staleWindow of the client's last acknowledged write) is retried every
// 200 ms and counted in Log.Stale; only one that persists is recorded.
func (c *Client) do(ctx context.Context, method, path, token, ctype string, body io.Reader, want int) (*http.Response, []byte, error) {
	var payload []byte
	if body != nil {
		payload, _ = io.ReadAll(body)
	}
	for {
		res, b, err := c.once(ctx, method, path, token, ctype, payload, want)
		var ab errAbandoned
		if !errors.As(err, &ab) || !stale(ab.a.Status) || time.Since(c.lastAck) > staleWindow {
			if err == nil && method == http.MethodPost && token != "" {
				c.lastAck = time.Now()
			}
			return res, b, err
		}
		c.log.mu.Lock()
		c.log.Stale = append(c.log.Stale, ab.a)
		c.log.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// staleWindow is how long after a write the next may meet a server that
// has not seen it yet: the one second of issue 16, doubled for a busy
// machine.
const staleWindow = 2 * time.Second

func stale(status int) bool {
	return status == http.StatusNotFound || status == http.StatusForbidden || status == http.StatusConflict
}

func (c *Client) once(ctx context.Context, method, path, token, ctype string, payload []byte, want int) (*http.Response, []byte, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if method == http.MethodPost && token == "" {
		req.Header.Set("Origin", c.base) // a browser posting a form
	}
	res, err := c.http.Do(req)
	c.log.mu.Lock()
	c.log.Requests++
	c.log.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		// The balancer dropped the connection (a server died under the
		// request): no answer, counted with the 502s and 503s.
		a := Answer{At: time.Now(), Method: method, Path: path, Body: err.Error()}
		c.record(a, true)
		return nil, nil, errAbandoned{a}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == want {
		return res, b, nil
	}
	a := Answer{At: time.Now(), Method: method, Path: path, Status: res.StatusCode, Body: snippet(b)}
	if !stale(a.Status) || time.Since(c.lastAck) > staleWindow {
		c.record(a, res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusServiceUnavailable)
	}
	return res, b, errAbandoned{a}
}

func (c *Client) record(a Answer, gateway bool) {
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	if gateway {
		c.log.Gateway = append(c.log.Gateway, a)
	} else {
		c.log.Anomaly = append(c.log.Anomaly, a)
	}
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(page []byte) (string, error) {
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("the page has no CSRF token: %s", snippet(page))
	}
	return string(m[1]), nil
}

// jsonBody is a JSON request body.
func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

// Round is one pass of the workflow mix: sign in through the web form,
// the home page, a new case filed through the API, its two mandatory
// materials uploaded, accepted, approved at the three review stages by
// three other users, the case page, sign out. Every acknowledged write
// goes into the log. A request without its expected answer abandons the
// round (it is recorded); the error is then nil unless ctx ended or the
// client itself failed.
func (c *Client) Round(ctx context.Context) error {
	err := c.round(ctx)
	if err == nil {
		c.log.mu.Lock()
		c.log.Rounds++
		c.log.mu.Unlock()
	}
	if _, ok := err.(errAbandoned); ok {
		err = nil
	}
	return err
}

func (c *Client) round(ctx context.Context) error {
	c.n++
	c.http.Jar, _ = cookiejar.New(nil)
	_, page, err := c.do(ctx, "GET", "/login", "", "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	token, err := csrfOf(page)
	if err != nil {
		return err
	}
	form := url.Values{"name": {c.crew.Clerk}, "password": {c.crew.Password}, "csrf": {token}}
	res, _, err := c.do(ctx, "POST", "/login", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), http.StatusSeeOther)
	if err != nil {
		return err
	}
	if loc := res.Header.Get("Location"); loc != "/" {
		return c.anomaly("POST", "/login", res.StatusCode, "signed in but sent to "+loc)
	}
	// Signed in on one server; the home page comes from the next one.
	if _, _, err := c.do(ctx, "GET", "/", "", "", nil, http.StatusOK); err != nil {
		return err
	}

	tok := c.crew.ClerkToken
	_, b, err := c.do(ctx, "POST", "/api/v1/cases", tok, "application/json", jsonBody(map[string]any{
		"business_type": "pension_enrolment",
		"applicant":     map[string]any{"name": fmt.Sprintf("吉𠮷祥%s-%d 😀", c.crew.Clerk, c.n), "id_number": "11010519491231002X"},
	}), http.StatusCreated)
	if err != nil {
		return err
	}
	var created struct{ ID string }
	if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
		return c.anomaly("POST", "/api/v1/cases", 201, "no case id: "+snippet(b))
	}
	id := created.ID
	c.log.add(Write{Case: id, Kind: "case", At: time.Now()})
	for _, code := range []string{"id_card", "enrolment_form"} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("material", code)
		fw, _ := mw.CreateFormFile("file", code+"-𠮷.pdf")
		fmt.Fprintf(fw, "%%PDF-1.4\n%% %s %s %d %d\n1 0 obj << >> endobj\ntrailer << >>\n%%%%EOF\n", id, code, c.n, time.Now().UnixNano())
		mw.Close()
		_, b, err := c.do(ctx, "POST", "/api/v1/cases/"+id+"/materials", tok, mw.FormDataContentType(), &body, http.StatusCreated)
		if err != nil {
			return err
		}
		var m struct{ ID string }
		if err := json.Unmarshal(b, &m); err != nil || m.ID == "" {
			return c.anomaly("POST", "/api/v1/cases/"+id+"/materials", 201, "no material id: "+snippet(b))
		}
		c.log.add(Write{Case: id, Kind: "material", Ref: m.ID, At: time.Now()})
	}
	if _, _, err := c.do(ctx, "POST", "/api/v1/cases/"+id+"/acceptance", tok, "application/json",
		jsonBody(map[string]any{"decision": "accept"}), http.StatusOK); err != nil {
		return err
	}
	c.log.add(Write{Case: id, Kind: "decision", Ref: "acceptance", N: 1, At: time.Now()})
	for i, r := range []struct{ stage, tok string }{{"initial", c.crew.Reviewer}, {"second", c.crew.Supervisor}, {"final", c.crew.Approver}} {
		if _, _, err := c.do(ctx, "POST", "/api/v1/cases/"+id+"/reviews", r.tok, "application/json",
			jsonBody(map[string]any{"decision": "approve", "opinion": "同意 👍"}), http.StatusOK); err != nil {
			return err
		}
		c.log.add(Write{Case: id, Kind: "decision", Ref: r.stage, N: i + 2, At: time.Now()})
	}

	_, page, err = c.do(ctx, "GET", "/cases/"+id, "", "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	if token, err = csrfOf(page); err != nil {
		return err
	}
	res, _, err = c.do(ctx, "POST", "/logout", "", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"csrf": {token}}.Encode()), http.StatusSeeOther)
	if err != nil {
		return err
	}
	if loc := res.Header.Get("Location"); loc != "/login" {
		return c.anomaly("POST", "/logout", res.StatusCode, "signed out but sent to "+loc)
	}
	return nil
}

func (c *Client) anomaly(method, path string, status int, what string) error {
	a := Answer{At: time.Now(), Method: method, Path: path, Status: status, Body: what}
	c.record(a, false)
	return errAbandoned{a}
}

// Check reads every write through base (a server itself) with token and
// returns what is missing: a case not found, a material not in it, fewer
// decisions than were acknowledged. A case that cannot be read at all
// is one line.
func Check(ctx context.Context, base, token string, writes []Write) ([]string, error) {
	byCase := map[string][]Write{}
	var ids []string
	for _, w := range writes {
		if _, ok := byCase[w.Case]; !ok {
			ids = append(ids, w.Case)
		}
		byCase[w.Case] = append(byCase[w.Case], w)
	}
	sort.Strings(ids)
	client := &http.Client{Timeout: 30 * time.Second}
	var missing []string
	for _, id := range ids {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/cases/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			missing = append(missing, fmt.Sprintf("case %s: %d %s", id, res.StatusCode, snippet(b)))
			continue
		}
		var v struct {
			Status    string
			Materials []struct{ ID string }
			History   []struct{ Type, Decision, Stage string }
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("case %s: %v", id, err)
		}
		have := map[string]bool{}
		for _, m := range v.Materials {
			have[m.ID] = true
		}
		decisions := 0
		for _, e := range v.History {
			if e.Decision != "" {
				decisions++
			}
		}
		for _, w := range byCase[id] {
			switch {
			case w.Kind == "material" && !have[w.Ref]:
				missing = append(missing, fmt.Sprintf("case %s: material %s (acknowledged %s) is not in it", id, w.Ref, w.At.Format("15:04:05.000")))
			case w.Kind == "decision" && decisions < w.N:
				missing = append(missing, fmt.Sprintf("case %s: decision %s (acknowledged %s) is not in it: %d decisions, status %s", id, w.Ref, w.At.Format("15:04:05.000"), decisions, v.Status))
			}
		}
	}
	return missing, nil
}
