package qualys

import (
	"context"
	"errors"
)

// Authenticate fetches (or reuses) the gateway token, so that wrong
// credentials or an unreachable gateway are reported before any work starts.
// Qualys API: POST /auth
func (c *Client) Authenticate(ctx context.Context) error {
	if c.gateway == nil {
		return errors.New("qualys: no gateway URL configured")
	}
	_, err := c.tokens.token(ctx)
	return err
}
