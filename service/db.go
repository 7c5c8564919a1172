package service

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// errNoRows is returned by queryRow for both drivers.
var errNoRows = errors.New("no rows")

// db is the little SQL the build record needs, over pgx (PostgreSQL) or
// database/sql (SQLite), in or out of a transaction of River's own type:
// tx nil means no transaction. Queries are written with $N placeholders.
type db[TTx any] interface {
	begin(ctx context.Context) (TTx, error)
	commit(ctx context.Context, tx TTx) error
	rollback(ctx context.Context, tx TTx) error
	exec(ctx context.Context, tx *TTx, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, tx *TTx, q string, args []any, fn func(scan func(dest ...any) error) error) error
	query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error
}

type pgxDB struct{ pool *pgxpool.Pool }

func (d pgxDB) begin(ctx context.Context) (pgx.Tx, error)     { return d.pool.Begin(ctx) }
func (d pgxDB) commit(ctx context.Context, tx pgx.Tx) error   { return tx.Commit(ctx) }
func (d pgxDB) rollback(ctx context.Context, tx pgx.Tx) error { return tx.Rollback(ctx) }
func (d pgxDB) exec(ctx context.Context, tx *pgx.Tx, q string, args ...any) (int64, error) {
	if tx != nil {
		t, err := (*tx).Exec(ctx, q, args...)
		return t.RowsAffected(), err
	}
	t, err := d.pool.Exec(ctx, q, args...)
	return t.RowsAffected(), err
}

func (d pgxDB) queryRow(ctx context.Context, tx *pgx.Tx, q string, args []any, fn func(scan func(dest ...any) error) error) error {
	var row pgx.Row
	if tx != nil {
		row = (*tx).QueryRow(ctx, q, args...)
	} else {
		row = d.pool.QueryRow(ctx, q, args...)
	}
	err := fn(row.Scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return err
}

func (d pgxDB) query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error {
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sqlDB is SQLite: db is River's one connection, which every write and
// transaction uses; ro is a pool of read-only connections for reads
// outside a transaction, which WAL lets run beside the writer (GET /status
// never queues behind a job's write).
type sqlDB struct {
	db, ro *sql.DB
	// stmts holds ro's prepared statements by query: parsing the SQL was
	// a third of GET /status's CPU time. A *sql.Stmt prepares itself
	// again on each pool connection as needed.
	stmts *sync.Map
}

func (d sqlDB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := d.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := d.ro.PrepareContext(ctx, sqlite(q))
	if err != nil {
		return nil, err
	}
	if v, loaded := d.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

var rePlaceholder = regexp.MustCompile(`\$(\d+)`)

// sqliteQueries caches sqlite's rewrites: the queries are a few constants.
var sqliteQueries sync.Map

// sqlite turns $N into SQLite's numbered ?N.
func sqlite(q string) string {
	if v, ok := sqliteQueries.Load(q); ok {
		return v.(string)
	}
	r := rePlaceholder.ReplaceAllString(q, "?$1")
	sqliteQueries.Store(q, r)
	return r
}

func (d sqlDB) begin(ctx context.Context) (*sql.Tx, error)   { return d.db.BeginTx(ctx, nil) }
func (d sqlDB) commit(_ context.Context, tx *sql.Tx) error   { return tx.Commit() }
func (d sqlDB) rollback(_ context.Context, tx *sql.Tx) error { return tx.Rollback() }

func (d sqlDB) exec(ctx context.Context, tx **sql.Tx, q string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if tx != nil {
		res, err = (*tx).ExecContext(ctx, sqlite(q), args...)
	} else {
		res, err = d.db.ExecContext(ctx, sqlite(q), args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d sqlDB) queryRow(ctx context.Context, tx **sql.Tx, q string, args []any, fn func(scan func(dest ...any) error) error) error {
	var row *sql.Row
	if tx != nil {
		row = (*tx).QueryRowContext(ctx, sqlite(q), args...)
	} else {
		st, err := d.stmt(ctx, q)
		if err != nil {
			return err
		}
		row = st.QueryRowContext(ctx, args...)
	}
	err := fn(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

func (d sqlDB) query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error {
	st, err := d.stmt(ctx, q)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
