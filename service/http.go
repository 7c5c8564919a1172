package service

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server timeouts: a slow client is cut off, never holds a connection.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
)

// readyCacheFor is how long a successful GitHub check keeps /readyz ready.
const readyCacheFor = 30 * time.Second

// maxWebhookBytes caps a webhook delivery: GitHub caps payloads at 25 MB,
// but a workflow_run event is a few tens of KB.
const maxWebhookBytes = 1 << 20

// HTTPServer is an http.Server with the service's handler and timeouts.
func (s *Service) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr: addr, Handler: s.Handler(),
		ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout,
	}
}

// Handler serves the API.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /build", s.handleBuild)
	mux.HandleFunc("GET /status/{id}", s.handleStatus)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	if s.cfg.WebhookSecret != "" {
		mux.HandleFunc("POST /github/webhook", s.handleWebhook)
	}
	return s.count(mux)
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// count records each request by route pattern (never the path: a build
// id in a label would grow without bound) and status code.
func (s *Service) count(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(cw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.m.requests.WithLabelValues(route, strconv.Itoa(cw.code)).Inc()
	})
}

// apiError is every error answer's body.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
	Rule  string `json:"rule,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

func (s *Service) authorized(r *http.Request) bool {
	if s.cfg.AuthToken == "" {
		return true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AuthToken)) == 1
}

func (s *Service) handleBuild(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="matrixgen"`)
		writeErr(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "Content-Type must be application/json", Field: "Content-Type", Value: r.Header.Get("Content-Type"), Rule: "application/json"})
		return
	}
	var req Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeErr(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", mbe.Limit))
			return
		}
		writeErr(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if dec.More() {
		writeErr(w, http.StatusBadRequest, "body: one JSON object expected, found more")
		return
	}
	st, created, err := s.Submit(r.Context(), req)
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, apiError{Error: fe.Error(), Field: fe.Field, Value: fe.Value, Rule: fe.Rule})
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "POST /build", "err", err)
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	code := http.StatusOK
	if created && st.Status == StateQueued {
		code = http.StatusAccepted
	}
	w.Header().Set("Location", "/status/"+st.BuildID)
	writeJSON(w, code, st)
}

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.Get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, errNotFound):
		writeErr(w, http.StatusNotFound, "no build "+strconv.Quote(r.PathValue("id")))
	case err != nil:
		writeErr(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, st)
	}
}

func (s *Service) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := s.be.ping(r.Context()); err != nil {
		writeErr(w, http.StatusServiceUnavailable, "store: "+err.Error())
		return
	}
	// Probes come every few seconds from every replica: GitHub is asked
	// at most once per readyCacheFor, so readiness costs no API budget.
	s.readyMu.Lock()
	fresh := !s.readyAt.IsZero() && s.cfg.Now().Sub(s.readyAt) < readyCacheFor
	s.readyMu.Unlock()
	if !fresh {
		if err := s.gh.Ping(r.Context()); err != nil {
			writeErr(w, http.StatusServiceUnavailable, "github: "+err.Error())
			return
		}
		s.readyMu.Lock()
		s.readyAt = s.cfg.Now()
		s.readyMu.Unlock()
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// workflowRunEvent is the part of GitHub's workflow_run webhook we read.
type workflowRunEvent struct {
	Action string `json:"action"`
	// Workflow is the workflow the run belongs to; its path stands in for
	// workflow_run.path where a payload lacks that (older payloads, such as
	// the completed-run example octokit/webhooks records).
	Workflow struct {
		Path string `json:"path"`
	} `json:"workflow"`
	WorkflowRun struct {
		ID           int64  `json:"id"`
		Name         string `json:"name"`
		Path         string `json:"path"`
		Event        string `json:"event"`
		DisplayTitle string `json:"display_title"`
		HTMLURL      string `json:"html_url"`
		Status       string `json:"status"`
		Conclusion   string `json:"conclusion"`
	} `json:"workflow_run"`
}

// handleWebhook ends a build as soon as GitHub says its run completed.
// The signature is checked before anything is parsed; a bad one changes
// nothing. A correctly signed event is a build's only by runFor's rule:
// the recorded run id, or, before one is known, a workflow_dispatch run of
// the build workflow whose title holds the build id.
func (s *Service) handleWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
	if err != nil {
		writeErr(w, http.StatusRequestEntityTooLarge, "webhook body: "+err.Error())
		return
	}
	if !validSignature(s.cfg.WebhookSecret, body, r.Header.Get("X-Hub-Signature-256")) {
		writeErr(w, http.StatusUnauthorized, "X-Hub-Signature-256 does not match the body")
		return
	}
	if r.Header.Get("X-GitHub-Event") != "workflow_run" {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "reason": "not a workflow_run event"})
		return
	}
	var ev workflowRunEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		writeErr(w, http.StatusBadRequest, "webhook body: "+err.Error())
		return
	}
	if ev.Action != "completed" {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "reason": "action " + ev.Action})
		return
	}
	wr := ev.WorkflowRun
	if wr.Path == "" {
		wr.Path = ev.Workflow.Path
	}
	run := Run{ID: wr.ID, Name: wr.DisplayTitle + " " + wr.Name, URL: wr.HTMLURL, Status: wr.Status, Conclusion: wr.Conclusion, Path: wr.Path, Event: wr.Event}
	builds, err := s.be.active(r.Context())
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	for _, b := range builds {
		if _, ok := s.runFor([]Run{run}, b); ok && b.State == StateInProgress {
			s.runEnded(r.Context(), b, run)
			writeJSON(w, http.StatusOK, map[string]string{"status": "applied", "build_id": b.ID})
			return
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "reason": "no build in flight for this run"})
}

// validSignature checks GitHub's "sha256=<hex HMAC of the body>".
func validSignature(secret string, body []byte, header string) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
