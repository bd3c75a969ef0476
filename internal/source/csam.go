// Package source adapts the Qualys client's iterators to sync.Source: it is
// the only package that knows both the client and the engine.
package source

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/sync"
)

// CSAM reads host assets from the CSAM v2 API. A run walks the assets from
// the first ID on while it works out ranges of the asset-ID space, then
// walks the rest of the ranges in parallel (see Extract).
type CSAM struct {
	client   *qualys.Client
	query    qualys.AssetQuery
	parallel int
	log      *slog.Logger
	total    atomic.Int64
	split    func(context.Context, qualys.AssetQuery, int, qualys.FirstPage) (qualys.Split, error) // client.CSAM.SplitFrom; tests replace it
}

var (
	_ sync.Source    = (*CSAM)(nil)
	_ sync.LiveTotal = (*CSAM)(nil)
)

// CSAMOptions configure a CSAM source.
type CSAMOptions struct {
	// Filters are ANDed to every search (e.g. tags.name, operatingSystem.category1).
	Filters []qualys.Filter
	// PageSize is the number of assets per page (≤ 300; default 300).
	PageSize int
	// Parallel is the number of search calls in flight (default 2); twice as
	// many range cursors are walked at once beside the head walk, so that
	// downloads overlap reading, and the client keeps within the
	// subscription's concurrency.
	Parallel int
	// Logger receives a warning when the ranges cannot be worked out (the
	// run then reads in one walk); nil: discard.
	Logger *slog.Logger
}

// NewCSAM returns a CSAM source reading through client.
func NewCSAM(client *qualys.Client, opts CSAMOptions) *CSAM {
	if opts.PageSize <= 0 {
		opts.PageSize = 300
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 2
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &CSAM{client: client, query: qualys.AssetQuery{Filters: opts.Filters, PageSize: opts.PageSize}, parallel: opts.Parallel, log: opts.Logger}
	c.split = client.CSAM.SplitFrom
	c.total.Store(-1)
	return c
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

// Total implements sync.Source: unknown (-1) when the run starts; see
// LiveTotal.
func (c *CSAM) Total(context.Context, time.Time) (int64, error) { return c.total.Load(), nil }

// LiveTotal implements sync.LiveTotal: the count of the assets the run
// reads, known once the ranges are worked out in this process (-1 before).
func (c *CSAM) LiveTotal() int64 { return c.total.Load() }

// Plan implements sync.Source: one partition, the head. It makes no call:
// the ranges are worked out beside the first pages (Extract), so that no
// page waits for them.
func (c *CSAM) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	return []sync.Partition{{ID: headPartition}}, nil
}

func parseRange(p sync.Partition) (qualys.Range, error) {
	a, m, ok := strings.Cut(p.ID, ":")
	after, err1 := strconv.ParseInt(a, 10, 64)
	max, err2 := strconv.ParseInt(m, 10, 64)
	if !ok || err1 != nil || err2 != nil || after < 0 || max < 0 {
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

// Extract implements sync.Source. A run starts with the head partition:
// it walks the assets from the first ID on, with no upper bound, while the
// asset-ID space is split into ranges of about equal count (a count and a
// few probes, beside the head's pages: qualys.CSAMService.Split). When the
// ranges arrive, the head is bounded at the first range boundary at least
// two pages past the last asset it emitted (the page it reads and the one
// in flight), and the ranges above that bound are walked in parallel with
// what is left of the head. One Split record saves them all with the
// checkpoint: the head's remainder becomes the range "last:bound", so a
// resumed run reads neither less nor twice. If the head gets to the end
// first, the ranges are dropped; if they cannot be worked out, the head
// reads everything on its own.
func (c *CSAM) Extract(ctx context.Context, since time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	g, ctx := errgroup.WithContext(ctx)
	// Twice as many cursors as calls in flight: while one cursor's page is
	// read and emitted (holding no slot), another downloads. The client
	// keeps the calls within the subscription's concurrency.
	slots := make(chan struct{}, 2*c.parallel)
	q := c.q(since)
	start := func(p sync.Partition) error {
		r, err := parseRange(p)
		if err != nil {
			return err
		}
		g.Go(func() error {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			defer func() { <-slots }()
			last := r.After
			for a, err := range c.client.CSAM.Assets(ctx, q, r) {
				if err != nil {
					return fmt.Errorf("assets after %d: %w", last, err)
				}
				rec := assetRecord(a, &last)
				rec.Partition = p.ID
				if err := emit(rec); err != nil {
					return err
				}
			}
			return emit(sync.Record{Partition: p.ID, PartitionDone: true})
		})
		return nil
	}
	// A bad saved partition fails the run before anything starts.
	head := false
	for _, p := range parts {
		if p.ID == headPartition {
			head = true
		} else if _, err := parseRange(p); err != nil {
			return err
		}
	}
	if !head && c.total.Load() < 0 {
		// A resumed run past its head: count for the progress total
		// beside the ranges (one call).
		g.Go(func() error {
			if n, err := c.client.CSAM.Count(ctx, q); err == nil {
				c.total.Store(n)
			}
			return nil
		})
	}
	for _, p := range parts {
		if p.ID == headPartition {
			g.Go(func() error { return c.head(ctx, q, p, start, emit) })
			continue
		}
		if err := start(p); err != nil {
			return err // cannot happen: parsed above
		}
	}
	return g.Wait()
}

// assetRecord turns an asset into a record without its partition; last is
// the highest asset ID read so far, which it advances.
func assetRecord(a qualys.Asset, last *int64) sync.Record {
	rec := sync.Record{Raw: a.Raw}
	if a.ID <= 0 {
		rec.Key = fmt.Sprintf("unparsable-after-%d", *last)
		return rec
	}
	rec.Key = strconv.FormatInt(a.ID, 10)
	if a.ID > *last {
		*last = a.ID
		rec.Position = rec.Key
	}
	return rec
}

// head walks the head partition p (see Extract) and starts, with start,
// the ranges it splits off once they are worked out.
func (c *CSAM) head(ctx context.Context, q qualys.AssetQuery, p sync.Partition, start func(sync.Partition) error, emit func(sync.Record) error) error {
	var from int64
	if p.Position != "" {
		pos, err := strconv.ParseInt(p.Position, 10, 64)
		if err != nil || pos < 0 {
			return fmt.Errorf("bad CSAM cursor position %q (run with --full to start over)", p.Position)
		}
		from = pos
	}
	var (
		mu    gosync.Mutex          // orders the head's records and the Split record
		label = p.ID                // the partition of the head's next records
		last  = from                // the highest asset ID the head emitted
		ended atomic.Bool           // the head's walk is over
		bound atomic.Int64          // the head's upper bound (0: none yet)
		past  bool                  // the head's walk has met an asset above bound
		first []int64               // the IDs of the head's first page (set before paged is closed)
		more  bool                  // the head's walk goes on after its first page (likewise)
		paged = make(chan struct{}) // closed once the head's first page is in and checked, or the head ended
	)
	pageIn := func() { // on the head's goroutine, as checked below
		select {
		case <-paged:
		default:
			close(paged)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	sctx, stopSplit := context.WithCancel(gctx)
	defer stopSplit()

	// The ranges, then the split.
	g.Go(func() error {
		if !q.UpdatedSince.IsZero() {
			// What changed since the last run often fits in a page or two:
			// see the head's first page before paying for the ranges.
			select {
			case <-paged:
			case <-sctx.Done():
				return nil
			}
			if ended.Load() || !more {
				return nil
			}
		}
		n := c.parallel
		if n > 1 {
			n *= 4
		}
		// The splitter starts from the first page: the head's own, when
		// the head starts at the first asset (not on a resume).
		var firstPage qualys.FirstPage
		if from == 0 {
			firstPage = func(ctx context.Context) ([]int64, bool, error) {
				select {
				case <-paged:
				case <-ctx.Done():
					return nil, false, context.Cause(ctx)
				}
				return slices.Clone(first), more && !ended.Load(), nil
			}
		}
		split, err := c.split(sctx, q, n, firstPage)
		if split.Total > 0 || err == nil {
			c.total.Store(split.Total)
		}
		if err != nil {
			if sctx.Err() == nil {
				c.log.Warn("CSAM ranges could not be worked out: the assets are read in one walk instead", "error", err)
			}
			return nil
		}
		mu.Lock()
		if ended.Load() || sctx.Err() != nil {
			mu.Unlock()
			return nil // the head is over, or failed: nothing to hand on
		}
		b, parts := splitAfter(split, last, q.PageSize)
		if b == 0 {
			mu.Unlock()
			return nil // the head is in the last range: let it read on
		}
		remainder := fmt.Sprintf("%d:%d", last, b)
		rec := sync.Record{Partition: label, PartitionDone: true, Split: append([]sync.Partition{{ID: remainder}}, parts...)}
		return handOff(&mu, emit, rec, func() { bound.Store(b); label = remainder }, parts, start)
	})

	// The head itself.
	g.Go(func() error {
		defer stopSplit() // the head got to the end first: the ranges are of no use
		// The first page's IDs go to the splitter as soon as the page is
		// checked, not once its assets have gone down the pipeline: the
		// range probes then start while a slot would otherwise wait.
		// It runs on this goroutine, without mu (held while a record waits
		// for the pipeline), and sets first and more before paged is closed:
		// they are read after it.
		checked := func(ids []int64, goesOn bool) {
			select {
			case <-paged:
				return // not the first page
			default:
			}
			first, more = ids, goesOn
			close(paged)
		}
		for a, err := range c.client.CSAM.AssetsUntil(gctx, q, from, bound.Load, checked) {
			mu.Lock()
			if err != nil {
				err = fmt.Errorf("assets after %d: %w", last, err)
				mu.Unlock()
				return err
			}
			// Split off while the page came: an asset above the bound, and
			// every one after it (the page is in ascending ID order, so an
			// asset whose ID cannot be read there belongs to the ranges too).
			if b := bound.Load(); b > 0 && (past || a.ID > b) {
				past = true
				mu.Unlock()
				continue
			}
			rec := assetRecord(a, &last)
			rec.Partition = label
			err = emit(rec)
			mu.Unlock()
			if err != nil {
				return err
			}
		}
		// Marked before the lock: a split that takes the lock from now on
		// hands nothing on.
		ended.Store(true)
		mu.Lock()
		defer mu.Unlock()
		pageIn()
		return emit(sync.Record{Partition: label, PartitionDone: true})
	})
	return g.Wait()
}

// splitAfter returns where to bound a head walk that has emitted up to
// asset ID last, and the ranges of sp above that bound as partitions. The
// bound is the first range boundary at least two pages of assets past
// last (the page the head reads and the one it fetches ahead; ranges hold
// about sp.Total/len(sp.Ranges) assets each, spread evenly within a range
// for this estimate). It returns 0 and no partitions when no bounded range
// is left above that: the head then reads on to the end.
func splitAfter(sp qualys.Split, last int64, pageSize int) (int64, []sync.Partition) {
	if len(sp.Ranges) < 2 {
		return 0, nil
	}
	per := float64(sp.Total) / float64(len(sp.Ranges))
	need := 2 * float64(max(pageSize, 1))
	ahead := 0.0 // estimated assets between last and the end of the range
	for i, r := range sp.Ranges {
		if r.Max == 0 {
			return 0, nil // the last range, unbounded
		}
		if r.Max <= last {
			continue
		}
		if r.After >= last {
			ahead += per
		} else {
			ahead += per * float64(r.Max-last) / float64(r.Max-r.After)
		}
		if ahead < need {
			continue
		}
		parts := make([]sync.Partition, 0, len(sp.Ranges)-i-1)
		for _, rr := range sp.Ranges[i+1:] {
			parts = append(parts, sync.Partition{ID: fmt.Sprintf("%d:%d", rr.After, rr.Max)})
		}
		return r.Max, parts
	}
	return 0, nil
}
