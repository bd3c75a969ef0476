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

// do runs r with retries: it repeats an attempt while retryable says so, at
// most maxRetries times, waiting between attempts for the time the server
// named (plus jitter) or else a jittered exponential backoff. A 401 on an
// authenticated call refreshes the token and repeats the call once, outside
// the retry budget. Every wait stops when ctx is done.
func (c *Client) do(ctx context.Context, r *request, handle func(*http.Response) error) error {
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     c.backoffBase,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         c.backoffMax,
	}
	bo.Reset()
	refreshed := false
	for retries := 0; ; {
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
		retry, wait := retryable(err)
		if !retry {
			return err
		}
		if retries >= c.maxRetries {
			return fmt.Errorf("%w (gave up after %d retries)", err, retries)
		}
		retries++
		if wait > 0 {
			wait += c.jitter(min(c.waitJitter, wait/10+time.Millisecond))
		} else {
			wait = bo.NextBackOff()
		}
		c.retries.Add(1)
		c.log.Info("qualys: retrying", slog.String("op", r.op()), slog.Int("retry", retries),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("qualys: %s: %w (while waiting to retry after: %v)", r.op(), serr, err)
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
