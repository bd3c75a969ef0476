package qualys

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
)

// fanIn walks the n sequences walk(ctx, i) with at most parallel of them at
// once and yields their items in completion order, each with its sequence
// index. An error for which goOn is false ends its sequence and, once
// yielded, the whole walk; an error for which goOn is true is yielded and the
// walk continues. Breaking out of the loop stops every walker before fanIn
// returns.
func fanIn[T any](ctx context.Context, n, parallel int, walk func(ctx context.Context, i int) iter.Seq2[T, error], goOn func(error) bool) iter.Seq2[ranged[T], error] {
	return func(yield func(ranged[T], error) bool) {
		if n == 0 {
			return
		}
		parallel = min(max(parallel, 1), n)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type item struct {
			r   ranged[T]
			err error
		}
		out := make(chan item)
		var (
			next atomic.Int64
			wg   sync.WaitGroup
		)
		for range parallel {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					for v, err := range walk(ctx, i) {
						select {
						case out <- item{ranged[T]{i, v}, err}:
						case <-ctx.Done():
							return
						}
						if err != nil && !goOn(err) {
							return
						}
					}
				}
			})
		}
		go func() {
			wg.Wait()
			close(out)
		}()
		defer func() {
			cancel()
			for range out { // wait for every walker to stop
			}
		}()
		for it := range out {
			if it.err != nil {
				var zero T
				if !yield(ranged[T]{it.r.idx, zero}, it.err) || !goOn(it.err) {
					return
				}
				continue
			}
			if !yield(it.r, nil) {
				return
			}
		}
	}
}

// ranged is an item of sequence idx.
type ranged[T any] struct {
	idx int
	v   T
}

func never(error) bool { return false }
