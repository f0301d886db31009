package http

import (
	"context"
	"dossier/archive"
	"dossier/archive/follow"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// newMetrics registers the request metrics, the build, and the gauges of
// what cfg can tell (index, indexer, data dir).
func newMetrics(cfg Config) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossier_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dossier_http_request_duration_seconds", Help: "HTTP request latency by route template.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dossier_build_info", Help: "Always 1; the labels say which build runs.", ConstLabels: buildLabels(cfg.Version, cfg.Revision),
		}, func() float64 { return 1 }))
	if cfg.Indexer != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_search_indexer_paused", Help: "1 while the search indexer is paused by failing writes (a full disk), else 0.",
			}, func() float64 {
				if cfg.Indexer().Paused {
					return 1
				}
				return 0
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_search_indexer_failures", Help: "Failed indexing attempts since the last success.",
			}, func() float64 { return float64(cfg.Indexer().Failures) }))
	}
	if cfg.Follow != nil {
		state := func(v func(follow.State) float64) func() float64 { return func() float64 { return v(cfg.Follow()) } }
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_follow_watching", Help: "1 while this server receives the object store's change notifications, else 0 (it then catches up by listing).",
			}, state(func(st follow.State) float64 {
				if st.Watching {
					return 1
				}
				return 0
			})),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_follow_lag_seconds", Help: "How long other servers' writes took to reach this server's projection: last, p50 and p99 of the last 1,024.",
				ConstLabels: prometheus.Labels{"quantile": "last"},
			}, state(func(st follow.State) float64 { return st.LastLag })),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_follow_lag_seconds", Help: "How long other servers' writes took to reach this server's projection: last, p50 and p99 of the last 1,024.",
				ConstLabels: prometheus.Labels{"quantile": "0.5"},
			}, state(func(st follow.State) float64 { return st.LagP50 })),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_follow_lag_seconds", Help: "How long other servers' writes took to reach this server's projection: last, p50 and p99 of the last 1,024.",
				ConstLabels: prometheus.Labels{"quantile": "0.99"},
			}, state(func(st follow.State) float64 { return st.LagP99 })),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dossier_follow_changes_total", Help: "Object store changes this server has applied from the notifications.",
			}, state(func(st follow.State) float64 { return float64(st.Changes) })))
	}
	if cfg.IndexLag != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "dossier_search_index_lag_cases", Help: "Cases changed but not yet in the search index.",
		}, func() float64 {
			n, _ := cfg.IndexLag(context.Background())
			return float64(n)
		}))
	}
	if cfg.SearchSegments != nil {
		segments := func(part string, of func(cases, materials int) int) prometheus.Collector {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "dossier_search_segments", Help: "Segments of the search index (one after a compaction; each query looks its words up in each).",
				ConstLabels: prometheus.Labels{"index": part},
			}, func() float64 {
				c, m, err := cfg.SearchSegments()
				if err != nil {
					return math.NaN()
				}
				return float64(of(c, m))
			})
		}
		m.reg.MustRegister(segments("cases", func(c, _ int) int { return c }), segments("materials", func(_, m int) int { return m }))
	}
	if cfg.SearchCompactions != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dossier_search_compactions_total", Help: "Compactions of the search index into one segment, done when it is left alone.",
			}, func() float64 { runs, _ := cfg.SearchCompactions(); return float64(runs) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dossier_search_compaction_failures_total", Help: "Compactions of the search index that failed (the index stays as it was; the next idle spell tries again).",
			}, func() float64 { _, failed := cfg.SearchCompactions(); return float64(failed) }))
	}
	if cfg.DataDirSpace != nil {
		gauge := func(name, help string, value func(free, total uint64) uint64) prometheus.Collector {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
				free, total, err := cfg.DataDirSpace()
				if err != nil {
					return math.NaN()
				}
				return float64(value(free, total))
			})
		}
		m.reg.MustRegister(
			gauge("dossier_data_dir_free_bytes", "Bytes free for dossier on the file system of the data dir (BoltDB, index, embedded store, upload staging).",
				func(free, _ uint64) uint64 { return free }),
			gauge("dossier_data_dir_size_bytes", "Size in bytes of the file system of the data dir.",
				func(_, total uint64) uint64 { return total }),
			gauge("dossier_data_dir_min_free_bytes", "Free bytes under which /readyz fails (DOSSIER_MIN_FREE).",
				func(uint64, uint64) uint64 { return cfg.MinFree }))
	}
	return m
}

// buildLabels are the labels of dossier_build_info: the version and
// revision the build was stamped with (the Makefile's -ldflags), else
// what the Go toolchain recorded (the module version, the VCS revision),
// else "unknown"; and the Go version.
func buildLabels(version, revision string) prometheus.Labels {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && revision == "" {
				revision = s.Value
			}
		}
	}
	if version == "" {
		version = "unknown"
	}
	if revision == "" {
		revision = "unknown"
	}
	return prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()}
}

// Registry is where other parts (index lag, store) register their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// observe counts and times requests by route template in the OpenAPI
// document's form (/api/v1/cases/{id}; never the raw path or query, which
// may hold personal data; every request no route takes is "unmatched")
// and logs them the same way.
func (s *Server) observe(c *gin.Context) {
	start := archive.SystemClock()
	c.Next()
	route := routeTemplate(c.FullPath())
	d := time.Since(start)
	s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	s.metrics.latency.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
	s.log.Debug("request", "method", c.Request.Method, "route", route, "status", c.Writer.Status(), "ms", d.Milliseconds())
}

// routeTemplate writes a gin route path as the OpenAPI document writes
// it: /cases/:id as /cases/{id}; no route is "unmatched".
func routeTemplate(path string) string {
	if path == "" {
		return "unmatched"
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && (p[0] == ':' || p[0] == '*') {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
