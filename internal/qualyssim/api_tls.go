package qualyssim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/qflow/qflow/internal/memnet"
)

// Running is a listening simulator started by Server.Start.
type Running struct {
	// URL is the base URL clients use for both gateway and API-server paths,
	// e.g. "https://127.0.0.1:43121".
	URL string
	// CAPEM is the PEM certificate of the CA that signed the server
	// certificate (nil without TLS).
	CAPEM []byte
	// DialContext connects to a simulator started with StartMemory (nil for
	// one on a socket): set it as the client's http.Transport DialContext.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	srv     *http.Server
	cancel  context.CancelFunc
	done    chan struct{}
	closing atomic.Bool
	err     error // serve error, valid after done is closed
}

// Done is closed once the server has stopped.
func (r *Running) Done() <-chan struct{} { return r.done }

// Err returns why the server stopped (nil after a normal shutdown); call it after Done.
func (r *Running) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// Close stops the server: requests still sleeping (latency, slow faults) are
// cancelled and in-flight responses get up to 5 seconds to finish.
//
// It is safe to call more than once and from several goroutines: the first
// call shuts the server down, the others wait for it on a channel (not a
// mutex, so that in a testing/synctest bubble they count as durably
// blocked and the shutdown's timers can run).
func (r *Running) Close() error {
	if r.closing.CompareAndSwap(false, true) {
		r.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil {
			_ = r.srv.Close()
		}
	}
	<-r.done
	return r.err
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves until ctx is done or
// Close is called. With tlsOn it serves HTTPS using a freshly generated
// self-signed CA and a server certificate for 127.0.0.1, ::1 and localhost;
// if caOut is not empty the CA certificate PEM is written to that file.
func (s *Server) Start(ctx context.Context, addr string, tlsOn bool, caOut string) (*Running, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("qualyssim: listen %s: %w", addr, err)
	}
	scheme := "http"
	run := &Running{done: make(chan struct{})}
	if tlsOn {
		caPEM, cert, err := selfSignedCert(time.Now())
		if err != nil {
			ln.Close()
			return nil, err
		}
		if caOut != "" {
			if err := os.WriteFile(caOut, caPEM, 0o644); err != nil {
				ln.Close()
				return nil, fmt.Errorf("qualyssim: write CA certificate: %w", err)
			}
		}
		run.CAPEM = caPEM
		// HTTP/1.1 only, so that connection resets behave as on the wire.
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
		scheme = "https"
	}
	host := "127.0.0.1"
	tcp, _ := ln.Addr().(*net.TCPAddr)
	if tcp != nil && !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	port := 0
	if tcp != nil {
		port = tcp.Port
	}
	run.URL = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
	s.serve(ctx, ln, run)
	s.log.Info("qualyssim listening", "url", run.URL, "subscriptions", len(s.subs), "assets", s.cfg.Assets, "hosts", len(s.vm.hosts), "epoch", s.Epoch(), "seed", s.cfg.Seed)
	return run, nil
}

// StartMemory serves on an in-memory network (internal/memnet) until ctx is
// done or Close is called: no socket is opened. Clients connect with the
// returned Running's DialContext (as their http.Transport's DialContext),
// whatever host URL names. In a testing/synctest bubble the simulator's
// latency, limits and token lifetimes then run on the bubble's fake clock.
func (s *Server) StartMemory(ctx context.Context) *Running {
	ln := memnet.Listen("qualyssim")
	run := &Running{done: make(chan struct{}), URL: "http://127.0.0.1", DialContext: ln.DialContext}
	s.serve(ctx, ln, run)
	return run
}

// serve runs run's HTTP server on ln.
func (s *Server) serve(ctx context.Context, ln net.Listener, run *Running) {
	base, cancel := context.WithCancel(context.Background())
	run.cancel = cancel
	run.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	go func() {
		err := run.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		run.err = err
		cancel()
		close(run.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = run.Close()
		case <-run.done:
		}
	}()
}

// selfSignedCert creates a CA and a server certificate for the loopback names.
func selfSignedCert(now time.Time) (caPEM []byte, cert tls.Certificate, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, cert, fmt.Errorf("qualyssim: CA key: %w", err)
	}
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n
	}
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "qualyssim CA", Organization: []string{"qflow simulator"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, cert, fmt.Errorf("qualyssim: CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, cert, fmt.Errorf("qualyssim: CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, cert, fmt.Errorf("qualyssim: server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, cert, fmt.Errorf("qualyssim: server certificate: %w", err)
	}
	cert = tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), cert, nil
}
