package rpm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)

	"github.com/matrixgen/matrixgen/crawlers/fetch"
)

// readPrimaryDB reads a primary_db (SQLite) index: SQLite needs a file, so the verified,
// decompressed stream is written to a temp file of at most max bytes, then queried for the
// packages the matcher may take. It is used only for repositories without a primary XML.
func readPrimaryDB(ctx context.Context, f Fetcher, req fetch.Request, max int64, c *collector) (err error) {
	tmp, err := os.CreateTemp("", "matrixgen-primary-*.sqlite")
	if err != nil {
		return fmt.Errorf("GET %s: %w", req.URL, err)
	}
	defer func() {
		tmp.Close()
		if rerr := os.Remove(tmp.Name()); rerr != nil && err == nil {
			err = fmt.Errorf("GET %s: %w", req.URL, rerr)
		}
	}()
	resp, err := f.Open(ctx, req)
	if err != nil {
		return err
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, max+1))
	resp.Body.Close()
	if err != nil {
		return err
	}
	if n > max {
		return &fetch.SizeError{URL: req.URL, Limit: max, Decompressed: true, Got: n}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("GET %s: %w", req.URL, err)
	}
	return queryPrimaryDB(ctx, tmp.Name(), req.URL, c)
}

// queryPrimaryDB reads packages and their kernel-devel-uname-r provides from a primary_db
// file (createrepo's schema: packages, provides keyed by pkgKey).
func queryPrimaryDB(ctx context.Context, file, name string, c *collector) error {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		return fmt.Errorf("%s: primary_db: %w", name, err)
	}
	defer db.Close()
	wrap := func(err error) error { return fmt.Errorf("%s: primary_db: %w", name, err) }
	// The name filter is the matcher's; SQL only narrows to kernel* so it stays generic.
	rows, err := db.QueryContext(ctx, `SELECT pkgKey, name, arch, IFNULL(epoch,''), IFNULL(version,''), IFNULL(release,''),
		IFNULL(location_href,''), IFNULL(location_base,'') FROM packages WHERE name LIKE 'kernel%'`)
	if err != nil {
		return wrap(err)
	}
	type row struct {
		key int64
		p   Package
	}
	var keep []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.key, &r.p.Name, &r.p.Arch, &r.p.Epoch, &r.p.Version, &r.p.Release, &r.p.Href, &r.p.Base); err != nil {
			rows.Close()
			return wrap(err)
		}
		c.res.Packages++
		if c.repo.Packages.Match(r.p.Name) {
			keep = append(keep, r)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return wrap(err)
	}
	for _, r := range keep {
		prov, err := db.QueryContext(ctx, `SELECT name, IFNULL(flags,''), IFNULL(epoch,''), IFNULL(version,''), IFNULL(release,'')
			FROM provides WHERE pkgKey = ?`, r.key)
		if err != nil {
			return wrap(err)
		}
		for prov.Next() {
			var e Entry
			if err := prov.Scan(&e.Name, &e.Flags, &e.Epoch, &e.Version, &e.Release); err != nil {
				prov.Close()
				return wrap(err)
			}
			r.p.Provides = append(r.p.Provides, e)
		}
		if err := errors.Join(prov.Err(), prov.Close()); err != nil {
			return wrap(err)
		}
		c.add(&r.p)
	}
	return nil
}
