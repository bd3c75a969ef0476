package qualys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// retryPolicy is the one retry policy of every request, single calls (do)
// and page walks (walker.run) alike: which errors are retried
// (retryable), how many times in a row (Options.MaxRetries, counted since
// the last progress), how long to wait (the time the server named plus
// jitter, or a jittered exponential backoff), and how retries are counted
// and logged.
type retryPolicy struct {
	c       *Client
	bo      *backoff.ExponentialBackOff
	retries int // failed attempts since the last progress
}

func (c *Client) newRetryPolicy() *retryPolicy {
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     c.backoffBase,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         c.backoffMax,
	}
	bo.Reset()
	return &retryPolicy{c: c, bo: bo}
}

// progress starts the budget and the backoff again: the last attempt got
// somewhere (a page, or part of one).
func (p *retryPolicy) progress() {
	p.retries = 0
	p.bo.Reset()
}

// wait decides about a failed attempt of op: it returns nil once it has
// waited for the retry, or the error to give up with (err itself when it is
// not retryable, else err explaining why it is not retried). attrs are
// logged with the retry.
func (p *retryPolicy) wait(ctx context.Context, op string, err error, attrs ...any) error {
	c := p.c
	retry, wait := retryable(err)
	if !retry {
		return err
	}
	if p.retries >= c.maxRetries {
		return fmt.Errorf("%w (gave up after %d retries)", err, p.retries)
	}
	p.retries++
	if wait > 0 {
		wait += c.jitter(min(c.waitJitter, wait/10+time.Millisecond))
	} else {
		wait = p.bo.NextBackOff()
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return fmt.Errorf("%w (not retried: the wait of %s outlasts the deadline: %w)", err, wait.Round(time.Second), context.DeadlineExceeded)
	}
	c.retries.Add(1)
	c.log.Info("qualys: retrying", append([]any{slog.String("op", op), slog.Int("retry", p.retries)},
		append(attrs, slog.Duration("wait", wait), slog.String("error", err.Error()))...)...)
	if serr := c.sleep(ctx, wait); serr != nil {
		return fmt.Errorf("qualys: %s: %w (while waiting to retry after: %v)", op, serr, err)
	}
	return nil
}

// do runs r with retries (retryPolicy). A 401 on an authenticated call
// refreshes the token and repeats the call once, outside the retry budget.
// Every wait stops when ctx is done.
func (c *Client) do(ctx context.Context, r *request, handle func(*http.Response) error) error {
	pol := c.newRetryPolicy()
	refreshed := false
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("qualys: %s: %w", r.op(), err)
		}
		token, err := c.attempt(ctx, r, handle)
		if err == nil {
			return nil
		}
		if api := (*APIError)(nil); r.auth == authBearer && errors.As(err, &api) && api.StatusCode == http.StatusUnauthorized {
			if !refreshed {
				refreshed = true
				c.tokens.invalidate(token)
				c.retries.Add(1)
				c.log.Info("qualys: token refused, refreshing it", slog.String("op", r.op()), slog.String("message", api.Message))
				continue
			}
			return &AuthError{URL: api.URL, StatusCode: api.StatusCode, Message: api.Message,
				hint: "a fresh token was refused too: check that the user may use this API"}
		}
		if werr := pol.wait(ctx, r.op(), err); werr != nil {
			return werr
		}
	}
}

// jitter returns a random duration in [0, d).
func (c *Client) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
