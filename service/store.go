package service

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers database/sql driver "sqlite"

	"github.com/matrixgen/matrixgen"
)

// Build states, as GET /status reports them.
const (
	StateQueued     = "queued"
	StateInProgress = "in_progress"
	StateDone       = "done"
	StateError      = "error"
	StateTimedOut   = "timed_out"
)

// Build is one build record.
type Build struct {
	ID            string
	Key           string // kernel:arch:distro:distroversion:driverversion
	State         string
	Distribution  string
	DistroVersion string
	Arch          string
	Release       string
	KernelVersion string
	DriverVersion string
	Artifact      string
	ArtifactURL   string
	RunID         int64
	RunURL        string
	Reason        string
	PreviousID    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DispatchedAt  time.Time // zero until the workflow was dispatched
	// DispatchStarted is set just before the dispatch call: a job that
	// finds it set looks for the run before dispatching again (the
	// process may have died between GitHub's answer and our write).
	DispatchStarted time.Time
}

// Store is an opened database: SQLite or PostgreSQL.
type Store struct {
	dsn    string
	sqlite *sql.DB // one connection, River's and every write's
	ro     *sql.DB // SQLite read-only connections
	pg     *pgxpool.Pool
}

// OpenStore opens "sqlite:PATH" or a "postgres://" / "postgresql://" URL.
// SQLite gets WAL and one connection, as River's SQLite driver asks.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("%q: want sqlite:PATH", dsn)}
		}
		// A path that cannot be created or opened is the caller's to fix,
		// as an output path that cannot be written is.
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("%s: %v", dsn, err)}
		}
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
		if err != nil {
			return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("%s: %v", dsn, err)}
		}
		db.SetMaxOpenConns(1)
		if err := db.PingContext(ctx); err != nil { // creates the file, in WAL mode
			db.Close()
			return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("%s: %v", dsn, err)}
		}
		ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
		if err != nil {
			db.Close()
			return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("%s: %v", dsn, err)}
		}
		ro.SetMaxOpenConns(4)
		return &Store{dsn: dsn, sqlite: db, ro: ro}, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		// A DSN pgx cannot parse is a usage error; a server that does not
		// answer is a failure (exit 1), not the caller's spelling. The DSN
		// is never quoted: it may hold a password.
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("postgres: %v", err)}
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("store postgres: cannot reach the database: %w", err)
		}
		return &Store{dsn: dsn, pg: pool}, nil
	}
	return nil, &matrixgen.UsageError{Option: "store", Msg: fmt.Sprintf("%q: want sqlite:PATH or a postgres:// URL", dsn)}
}

// Close closes the database.
func (s *Store) Close() error {
	if s.pg != nil {
		s.pg.Close()
		return nil
	}
	return errors.Join(s.ro.Close(), s.sqlite.Close())
}

// schema is the build record beside River's tables. active_key is the
// build key while the build is queued, in progress or done, NULL once it
// ended in error or timed_out: its UNIQUE constraint is the dedupe (NULLs
// never conflict, so a failed key can be built again), decided by the
// database for every replica at once. Times are Unix milliseconds, the
// same in both dialects.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS matrixgen_build (
		id TEXT PRIMARY KEY,
		build_key TEXT NOT NULL,
		active_key TEXT UNIQUE,
		state TEXT NOT NULL,
		distribution TEXT NOT NULL,
		distro_version TEXT NOT NULL,
		arch TEXT NOT NULL,
		release TEXT NOT NULL,
		kernel_version TEXT NOT NULL,
		driver_version TEXT NOT NULL,
		artifact TEXT NOT NULL,
		artifact_url TEXT NOT NULL DEFAULT '',
		run_id BIGINT NOT NULL DEFAULT 0,
		run_url TEXT NOT NULL DEFAULT '',
		reason TEXT NOT NULL DEFAULT '',
		previous_id TEXT NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		dispatched_at BIGINT NOT NULL DEFAULT 0,
		dispatch_started BIGINT NOT NULL DEFAULT 0
	)`,
	`CREATE INDEX IF NOT EXISTS matrixgen_build_state ON matrixgen_build (state)`,
	`CREATE INDEX IF NOT EXISTS matrixgen_build_key ON matrixgen_build (build_key)`,
	// One PR bot run per key, ever: the row is inserted in the transaction
	// that enqueues the run, so only one replica enqueues it.
	`CREATE TABLE IF NOT EXISTS matrixgen_prbot (build_key TEXT PRIMARY KEY, created_at BIGINT NOT NULL)`,
}

const buildCols = `id, build_key, state, distribution, distro_version, arch, release, kernel_version, driver_version, artifact, artifact_url, run_id, run_url, reason, previous_id, created_at, updated_at, dispatched_at, dispatch_started`

func scanBuild(scan func(dest ...any) error) (Build, error) {
	var b Build
	var created, updated, dispatched, started int64
	err := scan(&b.ID, &b.Key, &b.State, &b.Distribution, &b.DistroVersion, &b.Arch, &b.Release, &b.KernelVersion, &b.DriverVersion, &b.Artifact, &b.ArtifactURL, &b.RunID, &b.RunURL, &b.Reason, &b.PreviousID, &created, &updated, &dispatched, &started)
	b.CreatedAt, b.UpdatedAt = ms(created), ms(updated)
	b.DispatchedAt, b.DispatchStarted = ms(dispatched), ms(started)
	return b, err
}

func ms(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "b" + hex.EncodeToString(b[:])
}

// backend is River plus the build record over one database.
type backend interface {
	start(ctx context.Context) error
	stop(ctx context.Context) error
	create(ctx context.Context, b Build) (Build, bool, error)
	get(ctx context.Context, id string) (Build, error)
	activeByKey(ctx context.Context, key string) (Build, error)
	active(ctx context.Context) ([]Build, error)
	markDispatchStarted(ctx context.Context, id string, now time.Time) error
	markInProgress(ctx context.Context, id string, d Dispatched, now time.Time) (bool, error)
	recordRun(ctx context.Context, id string, runID int64, runURL string) error
	finish(ctx context.Context, b Build, state, artifactURL, reason string, now time.Time) (bool, error)
	retire(ctx context.Context, id, reason string, now time.Time) error
	ensureFollow(ctx context.Context) error
	countByState(ctx context.Context) (map[string]int, error)
	ping(ctx context.Context) error
}

// migrationLock is the advisory lock key that serialises migrations
// ("mgen" in ASCII).
const migrationLock int64 = 0x6d67656e

// errNotFound: no build with that id.
var errNotFound = errors.New("no such build")

type riverBackend[TTx any] struct {
	db     db[TTx]
	client *river.Client[TTx]
}

func newBackend(ctx context.Context, st *Store, cfg *river.Config) (backend, error) {
	if st.pg != nil {
		// Replicas starting together would race on CREATE TABLE IF NOT
		// EXISTS (PostgreSQL reports a duplicate key in pg_type): one
		// migrates at a time, on a session lock held on its own connection.
		conn, err := st.pg.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return nil, fmt.Errorf("postgres: migration lock: %w", err)
		}
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) }()
		return openBackend(ctx, riverpgxv5.New(st.pg), db[pgx.Tx](pgxDB{st.pg}), cfg)
	}
	return openBackend(ctx, riversqlite.New(st.sqlite), db[*sql.Tx](sqlDB{db: st.sqlite, ro: st.ro, stmts: new(sync.Map)}), cfg)
}

func openBackend[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], d db[TTx], cfg *river.Config) (backend, error) {
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	for _, q := range schema {
		if _, err := d.exec(ctx, nil, q); err != nil {
			return nil, fmt.Errorf("build record schema: %w", err)
		}
	}
	client, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	return &riverBackend[TTx]{db: d, client: client}, nil
}

func (r *riverBackend[TTx]) start(ctx context.Context) error { return r.client.Start(ctx) }
func (r *riverBackend[TTx]) stop(ctx context.Context) error  { return r.client.Stop(ctx) }

// create inserts b and its dispatch job in one transaction, or, when the
// key already has an active build, returns that one (created false). The
// UNIQUE active_key decides: a conflicting insert does nothing, then the
// winner is read. A done build (no dispatch) is inserted the same way with
// its PR bot run.
func (r *riverBackend[TTx]) create(ctx context.Context, b Build) (Build, bool, error) {
	// The common case in a boot storm is a key that already has a build:
	// one read answers it. Finding none decides nothing; the insert's
	// conflict below does.
	if got, err := r.getWhere(ctx, nil, `active_key = $1`, b.Key); err == nil {
		return got, false, nil
	} else if !errors.Is(err, errNotFound) {
		return Build{}, false, err
	}
	for attempt := 0; attempt < 5; attempt++ {
		tx, err := r.db.begin(ctx)
		if err != nil {
			return Build{}, false, err
		}
		got, created, err := r.createTx(ctx, &tx, b)
		if err != nil {
			_ = r.db.rollback(ctx, tx)
			return Build{}, false, err
		}
		if !created {
			_ = r.db.rollback(ctx, tx)
			if got.ID == "" {
				continue // the active build ended between our insert and read: insert again
			}
			return got, false, nil
		}
		if err := r.db.commit(ctx, tx); err != nil {
			return Build{}, false, err
		}
		return got, true, nil
	}
	return Build{}, false, fmt.Errorf("build %s: the key kept changing state, try again", b.Key)
}

func (r *riverBackend[TTx]) createTx(ctx context.Context, tx *TTx, b Build) (Build, bool, error) {
	var prev string
	err := r.db.queryRow(ctx, tx, `SELECT id FROM matrixgen_build WHERE build_key = $1 AND active_key IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`, []any{b.Key}, scanInto(&prev))
	if err != nil && !errors.Is(err, errNoRows) {
		return Build{}, false, err
	}
	b.PreviousID = prev
	n, err := r.db.exec(ctx, tx, `INSERT INTO matrixgen_build (id, build_key, active_key, state, distribution, distro_version, arch, release, kernel_version, driver_version, artifact, artifact_url, previous_id, created_at, updated_at)
		VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT (active_key) DO NOTHING`,
		b.ID, b.Key, b.State, b.Distribution, b.DistroVersion, b.Arch, b.Release, b.KernelVersion, b.DriverVersion, b.Artifact, b.ArtifactURL, b.PreviousID, b.CreatedAt.UnixMilli())
	if err != nil {
		return Build{}, false, fmt.Errorf("insert build %s: %w", b.Key, err)
	}
	if n == 0 {
		got, err := r.getWhere(ctx, tx, `active_key = $1`, b.Key)
		if errors.Is(err, errNotFound) {
			return Build{}, false, nil
		}
		return got, false, err
	}
	switch b.State {
	case StateQueued:
		if _, err := r.client.InsertTx(ctx, *tx, dispatchArgs{BuildID: b.ID}, nil); err != nil {
			return Build{}, false, fmt.Errorf("enqueue dispatch of %s: %w", b.ID, err)
		}
	case StateDone:
		if err := r.enqueuePR(ctx, tx, b, "already-built"); err != nil {
			return Build{}, false, err
		}
	}
	return b, true, nil
}

// enqueuePR enqueues the PR bot for b's key unless some build of the key
// ever did.
func (r *riverBackend[TTx]) enqueuePR(ctx context.Context, tx *TTx, b Build, seenBy string) error {
	n, err := r.db.exec(ctx, tx, `INSERT INTO matrixgen_prbot (build_key, created_at) VALUES ($1, $2) ON CONFLICT (build_key) DO NOTHING`, b.Key, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("PR bot record for %s: %w", b.Key, err)
	}
	if n == 0 {
		return nil
	}
	args := prArgs{BuildID: b.ID, Distribution: b.Distribution, DistroVersion: b.DistroVersion, Arch: b.Arch, Release: b.Release, KernelVersion: b.KernelVersion, SeenBy: seenBy, RunURL: b.RunURL}
	if _, err := r.client.InsertTx(ctx, *tx, args, nil); err != nil {
		return fmt.Errorf("enqueue PR bot for %s: %w", b.Key, err)
	}
	return nil
}

func (r *riverBackend[TTx]) getWhere(ctx context.Context, tx *TTx, where string, args ...any) (Build, error) {
	var b Build
	err := r.db.queryRow(ctx, tx, `SELECT `+buildCols+` FROM matrixgen_build WHERE `+where, args, func(scan func(...any) error) (err error) {
		b, err = scanBuild(scan)
		return err
	})
	if errors.Is(err, errNoRows) {
		return Build{}, errNotFound
	}
	return b, err
}

func (r *riverBackend[TTx]) activeByKey(ctx context.Context, key string) (Build, error) {
	return r.getWhere(ctx, nil, `active_key = $1`, key)
}

func (r *riverBackend[TTx]) get(ctx context.Context, id string) (Build, error) {
	return r.getWhere(ctx, nil, `id = $1`, id)
}

func (r *riverBackend[TTx]) active(ctx context.Context) ([]Build, error) {
	var out []Build
	err := r.db.query(ctx, `SELECT `+buildCols+` FROM matrixgen_build WHERE state IN ('queued', 'in_progress') ORDER BY created_at`, nil, func(scan func(...any) error) error {
		b, err := scanBuild(scan)
		out = append(out, b)
		return err
	})
	return out, err
}

func (r *riverBackend[TTx]) markDispatchStarted(ctx context.Context, id string, now time.Time) error {
	_, err := r.db.exec(ctx, nil, `UPDATE matrixgen_build SET dispatch_started = $2, updated_at = $2 WHERE id = $1 AND state = 'queued'`, id, now.UnixMilli())
	return err
}

func (r *riverBackend[TTx]) markInProgress(ctx context.Context, id string, d Dispatched, now time.Time) (bool, error) {
	n, err := r.db.exec(ctx, nil, `UPDATE matrixgen_build SET state = 'in_progress', run_id = $2, run_url = $3, dispatched_at = $4, updated_at = $4 WHERE id = $1 AND state = 'queued'`, id, d.RunID, d.RunURL, now.UnixMilli())
	return n == 1, err
}

// finish ends an active build once (the poller and the webhook may both
// see the end): done keeps the key active, error and timed_out release it
// so a later request builds again. A done build enqueues the PR bot in the
// same transaction.
// recordRun records the run of an in-progress build whose dispatch
// returned none, once the poller found it by its run-name: from then on
// only that run id is the build's.
func (r *riverBackend[TTx]) recordRun(ctx context.Context, id string, runID int64, runURL string) error {
	_, err := r.db.exec(ctx, nil, `UPDATE matrixgen_build SET run_id = $2, run_url = $3 WHERE id = $1 AND state = 'in_progress' AND run_id = 0`, id, runID, runURL)
	if err != nil {
		return fmt.Errorf("record run %d of build %s: %w", runID, id, err)
	}
	return nil
}

func (r *riverBackend[TTx]) finish(ctx context.Context, b Build, state, artifactURL, reason string, now time.Time) (bool, error) {
	tx, err := r.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = r.db.rollback(ctx, tx) }()
	q := `UPDATE matrixgen_build SET state = $2, artifact_url = $3, reason = $4, run_id = $5, run_url = $6, updated_at = $7`
	if state != StateDone {
		q += `, active_key = NULL`
	}
	q += ` WHERE id = $1 AND state IN ('queued', 'in_progress')`
	n, err := r.db.exec(ctx, &tx, q, b.ID, state, artifactURL, reason, b.RunID, b.RunURL, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("finish build %s: %w", b.ID, err)
	}
	if n == 0 {
		return false, nil
	}
	if state == StateDone {
		if err := r.enqueuePR(ctx, &tx, b, "on-demand build"); err != nil {
			return false, err
		}
	}
	return true, r.db.commit(ctx, tx)
}

// retire releases a done build's key once its artifact is gone from the
// release, so the next request builds again (linked to this one). Done it
// stays: it was built; the reason says what became of the artifact.
func (r *riverBackend[TTx]) retire(ctx context.Context, id, reason string, now time.Time) error {
	_, err := r.db.exec(ctx, nil, `UPDATE matrixgen_build SET active_key = NULL, reason = $2, updated_at = $3 WHERE id = $1 AND state = 'done' AND active_key IS NOT NULL`, id, reason, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("retire build %s: %w", id, err)
	}
	return nil
}

func (r *riverBackend[TTx]) ensureFollow(ctx context.Context) error {
	_, err := r.client.Insert(ctx, followArgs{}, nil)
	return err
}

func (r *riverBackend[TTx]) countByState(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := r.db.query(ctx, `SELECT state, COUNT(*) FROM matrixgen_build GROUP BY state`, nil, func(scan func(...any) error) error {
		var s string
		var n int64
		if err := scan(&s, &n); err != nil {
			return err
		}
		out[s] = int(n)
		return nil
	})
	return out, err
}

func (r *riverBackend[TTx]) ping(ctx context.Context) error {
	var one int
	return r.db.queryRow(ctx, nil, `SELECT 1`, nil, scanInto(&one))
}

// scanInto scans one row into dest.
func scanInto(dest ...any) func(scan func(...any) error) error {
	return func(scan func(...any) error) error { return scan(dest...) }
}

// Exec runs one statement outside River, for administration and tests.
func (s *Store) Exec(ctx context.Context, q string) error {
	if s.pg != nil {
		_, err := s.pg.Exec(ctx, q)
		return err
	}
	_, err := s.sqlite.ExecContext(ctx, q)
	return err
}
