package qualyssim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStartTLS(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Assets: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, err := s.Start(ctx, "127.0.0.1:0", true, caPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.URL, "https://127.0.0.1:") {
		t.Errorf("URL %q", run.URL)
	}
	pemFile, err := os.ReadFile(caPath)
	if err != nil || !bytes.Equal(pemFile, run.CAPEM) {
		t.Fatalf("CA file: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemFile) {
		t.Fatal("CA PEM does not parse")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	for _, host := range []string{run.URL, strings.Replace(run.URL, "127.0.0.1", "localhost", 1)} {
		resp, err := client.PostForm(host+pathAuth, url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}})
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("%s: auth status %d", host, resp.StatusCode)
		}
	}
	cancel()
	select {
	case <-run.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop when ctx was cancelled")
	}
	if err := run.Close(); err != nil {
		t.Errorf("Close after stop: %v", err)
	}
}

func TestStartPlainAndClose(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Assets: 5, Seed: 1, Latency: Latency{Base: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.Start(context.Background(), "127.0.0.1:0", false, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.URL, "http://127.0.0.1:") || run.CAPEM != nil {
		t.Errorf("URL %q CAPEM %d bytes", run.URL, len(run.CAPEM))
	}
	resp, err := http.Get(run.URL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A request sleeping in the latency model must not hold up Close.
	tok := func() string {
		r, err := http.PostForm(run.URL+pathAuth, url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		return b.String()
	}()
	go func() {
		req, _ := http.NewRequest(http.MethodPost, run.URL+pathCount, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if r, err := http.DefaultClient.Do(req); err == nil {
			r.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := run.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	if _, err := s.Start(context.Background(), "256.0.0.1:0", false, ""); err == nil {
		t.Error("Start on a bad address succeeded")
	}
}
