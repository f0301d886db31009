package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
)

// Visibility files n cases on server a, one after another, and after
// each acknowledgement polls server b directly (GET the case, every 2 ms)
// until b shows it; it returns how long each took from a's answer.
// Errors: a refuses a case, or b does not show one within 30 seconds.
func Visibility(ctx context.Context, a, b, token string, n int) ([]time.Duration, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(method, url string, body io.Reader) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, url, body)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out, nil
	}
	var lat []time.Duration
	for i := 0; i < n; i++ {
		code, out, err := get("POST", a+"/api/v1/cases", jsonBody(map[string]any{
			"business_type": "pension_enrolment",
			"applicant":     map[string]any{"name": fmt.Sprintf("可见𠮷%d", i), "id_number": "11010519491231002X"},
		}))
		if err != nil {
			return lat, err
		}
		var c struct{ ID string }
		if code != http.StatusCreated || json.Unmarshal(out, &c) != nil || c.ID == "" {
			return lat, fmt.Errorf("file a case on %s: %d %s", a, code, snippet(out))
		}
		acked := time.Now()
		for {
			code, out, err := get("GET", b+"/api/v1/cases/"+c.ID, nil)
			if err != nil {
				return lat, err
			}
			if code == http.StatusOK {
				break
			}
			if code != http.StatusNotFound {
				return lat, fmt.Errorf("case %s on %s: %d %s", c.ID, b, code, snippet(out))
			}
			if time.Since(acked) > 30*time.Second {
				return lat, fmt.Errorf("case %s filed on %s is not on %s after 30 s", c.ID, a, b)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(acked))
	}
	return lat, nil
}

// Percentile is the p-th percentile of d (nearest rank), 0 for none.
func Percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (p*len(s)+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}
