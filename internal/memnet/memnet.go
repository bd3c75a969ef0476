// Package memnet is an in-memory network for tests: a net.Listener whose
// connections are net.Pipe pairs. An HTTP server on a Listener and a client
// whose transport dials it talk without sockets, so inside a testing/synctest
// bubble every wait (latency, backoff, timeouts, rate windows) runs on the
// bubble's fake clock and a test of minutes of Qualys time takes
// milliseconds.
package memnet

import (
	"context"
	"errors"
	"net"
	"sync"
)

// Listener is an in-memory net.Listener. Create it with Listen; connect to it
// with DialContext.
type Listener struct {
	addr  addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// Listen returns a listener that reports name as its address.
func Listen(name string) *Listener {
	return &Listener{addr: addr(name), conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next connection made with DialContext.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops the listener: Accept and DialContext fail from then on.
// Connections already made stay open until their ends are closed.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns the name given to Listen.
func (l *Listener) Addr() net.Addr { return l.addr }

// ErrRefused is returned by DialContext once the listener is closed.
var ErrRefused = errors.New("memnet: connection refused: listener closed")

// DialContext connects to the listener, whatever network and address are
// given; it has the signature of net.Dialer.DialContext so that it can be an
// http.Transport's DialContext.
func (l *Listener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		client.Close()
		server.Close()
		return nil, ErrRefused
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
}

type addr string

func (a addr) Network() string { return "memnet" }
func (a addr) String() string  { return string(a) }
