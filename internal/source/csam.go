// Package source adapts the Qualys client's iterators to sync.Source: it is
// the only package that knows both the client and the engine.
package source

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/sync"
)

// CSAM reads host assets from the CSAM v2 API, one cursor per asset-ID range.
type CSAM struct {
	client   *qualys.Client
	query    qualys.AssetQuery
	parallel int
}

var _ sync.Source = (*CSAM)(nil)

// CSAMOptions configure a CSAM source.
type CSAMOptions struct {
	// Filters are ANDed to every search (e.g. tags.name, operatingSystem.category1).
	Filters []qualys.Filter
	// PageSize is the number of assets per page (≤ 300; default 300).
	PageSize int
	// Parallel is the number of search calls in flight (default 2); twice as
	// many range cursors are walked at once, so that downloads overlap
	// reading, and the client keeps within the subscription's concurrency.
	Parallel int
}

// NewCSAM returns a CSAM source reading through client.
func NewCSAM(client *qualys.Client, opts CSAMOptions) *CSAM {
	if opts.PageSize <= 0 {
		opts.PageSize = 300
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 2
	}
	return &CSAM{client: client, query: qualys.AssetQuery{Filters: opts.Filters, PageSize: opts.PageSize}, parallel: opts.Parallel}
}

// Name implements sync.Source.
func (c *CSAM) Name() string { return "csam" }

// Calls implements sync.Source.
func (c *CSAM) Calls() int64 { return c.client.Stats().Calls }

func (c *CSAM) q(since time.Time) qualys.AssetQuery {
	q := c.query
	q.UpdatedSince = since
	return q
}

// Total implements sync.Source with the count endpoint.
func (c *CSAM) Total(ctx context.Context, since time.Time) (int64, error) {
	return c.client.CSAM.Count(ctx, c.q(since))
}

// Plan implements sync.Source: it splits the asset-ID space into ranges,
// several per parallel cursor so that uneven ranges balance out.
func (c *CSAM) Plan(ctx context.Context, since time.Time) ([]sync.Partition, error) {
	n := c.parallel
	if n > 1 {
		n *= 4
	}
	ranges, err := c.client.CSAM.SplitRanges(ctx, c.q(since), n)
	if err != nil {
		return nil, err
	}
	parts := make([]sync.Partition, len(ranges))
	for i, r := range ranges {
		parts[i] = sync.Partition{ID: fmt.Sprintf("%d:%d", r.After, r.Max)}
	}
	return parts, nil
}

func parseRange(p sync.Partition) (qualys.Range, error) {
	a, m, ok := strings.Cut(p.ID, ":")
	after, err1 := strconv.ParseInt(a, 10, 64)
	max, err2 := strconv.ParseInt(m, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return qualys.Range{}, fmt.Errorf("bad CSAM partition %q in saved cursor (run with --full to start over)", p.ID)
	}
	r := qualys.Range{After: after, Max: max}
	if p.Position != "" {
		pos, err := strconv.ParseInt(p.Position, 10, 64)
		if err != nil {
			return qualys.Range{}, fmt.Errorf("bad CSAM cursor position %q (run with --full to start over)", p.Position)
		}
		if pos > r.After {
			r.After = pos
		}
	}
	return r, nil
}

// Extract implements sync.Source: it walks the pending ranges, at most
// twice Parallel at a time (the client keeps Parallel calls in flight).
func (c *CSAM) Extract(ctx context.Context, since time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	g, ctx := errgroup.WithContext(ctx)
	// Twice as many cursors as calls in flight: while one cursor's page is
	// read and emitted (holding no slot), another downloads. The client
	// keeps the calls within the subscription's concurrency.
	g.SetLimit(2 * c.parallel)
	q := c.q(since)
	for _, p := range parts {
		r, err := parseRange(p)
		if err != nil {
			return err
		}
		g.Go(func() error {
			last := r.After
			for a, err := range c.client.CSAM.Assets(ctx, q, r) {
				if err != nil {
					return fmt.Errorf("assets after %d: %w", last, err)
				}
				rec := sync.Record{Partition: p.ID, Raw: a.Raw}
				if a.ID > 0 {
					rec.Key = strconv.FormatInt(a.ID, 10)
					if a.ID > last {
						last = a.ID
						rec.Position = rec.Key
					}
				} else {
					rec.Key = fmt.Sprintf("unparsable-after-%d", last)
				}
				if err := emit(rec); err != nil {
					return err
				}
			}
			return emit(sync.Record{Partition: p.ID, PartitionDone: true})
		})
	}
	return g.Wait()
}
