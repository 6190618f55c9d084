package temporaltls

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestEnsureDevGeneratesPrivateFilesAndReusesThem(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	first, err := EnsureDev(dir, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if first.Generated != "there were none" {
		t.Fatalf("Generated = %q on an empty folder", first.Generated)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode: %v %v", fi.Mode(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), fi.Mode())
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), "PRIVATE KEY") && !strings.HasSuffix(e.Name(), "-key.pem") {
			t.Errorf("%s holds a private key", e.Name())
		}
	}
	if want := "ca.pem client-key.pem client.pem server-key.pem server.pem"; strings.Join(names, " ") != want {
		t.Fatalf("files %v, want %s (and no CA key)", names, want)
	}
	if first.Server.Leaf.PublicKeyAlgorithm.String() != "ECDSA" || first.Server.Leaf.NotAfter.Sub(now) < Validity-2*time.Hour {
		t.Fatalf("server certificate: %s until %s", first.Server.Leaf.PublicKeyAlgorithm, first.Server.Leaf.NotAfter)
	}

	// A later start, within the validity: the same certificates.
	again, err := EnsureDev(dir, nil, now.Add(Validity-RenewBefore-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.Generated != "" || !bytes.Equal(again.Client.Leaf.Raw, first.Client.Leaf.Raw) || !bytes.Equal(again.CA.Raw, first.CA.Raw) {
		t.Fatalf("not reused (Generated %q)", again.Generated)
	}
	// A handshake with the reused set works against the first one.
	if err := handshake(first.FrontendServerConfig(), again.ClientConfig()); err != nil {
		t.Fatalf("reused client certificate refused: %v", err)
	}

	// Near expiry: a new set, from a new CA.
	renewed, err := EnsureDev(dir, nil, now.Add(Validity-RenewBefore+24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Generated == "" || bytes.Equal(renewed.CA.Raw, first.CA.Raw) {
		t.Fatalf("not renewed near expiry")
	}
	if err := handshake(renewed.FrontendServerConfig(), first.ClientConfig()); err == nil {
		t.Fatal("the old client certificate is still accepted after renewal")
	}
}

func TestEnsureDevRegeneratesABrokenSet(t *testing.T) {
	for name, spoil := range map[string]func(dir string) error{
		"missing client key": func(dir string) error { return os.Remove(filepath.Join(dir, ClientKeyFile)) },
		"garbage CA":         func(dir string) error { return os.WriteFile(filepath.Join(dir, CAFile), []byte("x"), 0o600) },
		"key of another set": func(dir string) error {
			other, err := EnsureDev(t.TempDir(), nil, now)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(filepath.Join(other.Dir, ServerKeyFile))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, ServerKeyFile), b, 0o600)
		},
		"certificate of another CA": func(dir string) error {
			other, err := EnsureDev(t.TempDir(), nil, now)
			if err != nil {
				return err
			}
			for _, f := range []string{ClientCertFile, ClientKeyFile} {
				b, err := os.ReadFile(filepath.Join(other.Dir, f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
					return err
				}
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := EnsureDev(dir, nil, now); err != nil {
				t.Fatal(err)
			}
			if err := spoil(dir); err != nil {
				t.Fatal(err)
			}
			d, err := EnsureDev(dir, nil, now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Generated == "" {
				t.Fatal("a broken set was reused")
			}
			if err := handshake(d.FrontendServerConfig(), d.ClientConfig()); err != nil {
				t.Fatalf("the new set does not work: %v", err)
			}
		})
	}
}

func TestEnsureDevTightensModesAndAddsHosts(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	first, err := EnsureDev(dir, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, ClientKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureDev(dir, nil, now); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, ClientKeyFile)} {
		if fi, _ := os.Stat(p); fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s left at %v", p, fi.Mode())
		}
	}
	for _, h := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := first.Server.Leaf.VerifyHostname(h); err != nil {
			t.Errorf("server certificate: %v", err)
		}
	}
	withHost, err := EnsureDev(dir, []string{"127.0.0.2"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if withHost.Generated == "" || withHost.Server.Leaf.VerifyHostname("127.0.0.2") != nil {
		t.Fatalf("a new host did not renew the server certificate (%q)", withHost.Generated)
	}
}

func TestFrontendRequiresAClientCertificateFromItsCA(t *testing.T) {
	d, err := EnsureDev(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := EnsureDev(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	noCert := d.ClientConfig()
	noCert.Certificates = nil
	foreign := d.ClientConfig()
	foreign.Certificates = other.ClientConfig().Certificates
	for name, c := range map[string]*tls.Config{"no certificate": noCert, "another CA's certificate": foreign} {
		if err := handshake(d.FrontendServerConfig(), c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := handshake(d.FrontendServerConfig(), d.ClientConfig()); err != nil {
		t.Errorf("duty's client refused: %v", err)
	}
	if err := handshake(d.FrontendServerConfig(), d.PeerConfig()); err != nil {
		t.Errorf("the server's own client refused: %v", err)
	}
	// A client that does not trust the set's CA cannot be fooled by
	// another set's server either.
	if err := handshake(other.FrontendServerConfig(), d.ClientConfig()); err == nil {
		t.Error("duty's client accepted another CA's server")
	}
}

func TestInternodeLetsInOnlyTheServer(t *testing.T) {
	d, err := EnsureDev(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(d.InternodeServerConfig(), d.ClientConfig()); err == nil {
		t.Error("duty's client certificate reached an internode port")
	}
	if err := handshake(d.InternodeServerConfig(), d.PeerConfig()); err != nil {
		t.Errorf("the server refused itself: %v", err)
	}
}

func TestClientPEMIsTheClientOnDisk(t *testing.T) {
	d, err := EnsureDev(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	ca, cert, key, err := d.ClientPEM()
	if err != nil {
		t.Fatal(err)
	}
	for path, got := range map[string][]byte{d.CAPath(): ca, d.ClientCertPath(): cert} {
		if want, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Errorf("%s differs", path)
		}
	}
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		t.Error(err)
	}
}

func TestClientSettings(t *testing.T) {
	if c, err := (ClientSettings{}).Config(); c != nil || err != nil {
		t.Fatalf("no settings: %v %v, want plain", c, err)
	}
	d, err := EnsureDev(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := EnsureDev(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (ClientSettings{CertFile: d.ClientCertPath()}).Config(); err == nil {
		t.Error("a certificate without its key accepted")
	}
	if _, err := (ClientSettings{CAFile: d.ClientKeyPath()}).Config(); err == nil {
		t.Error("a CA file without a certificate accepted")
	}
	if _, err := (ClientSettings{CAFile: filepath.Join(d.Dir, "nowhere.pem")}).Config(); err == nil {
		t.Error("a missing CA file accepted")
	}

	full := ClientSettings{CertFile: d.ClientCertPath(), KeyFile: d.ClientKeyPath(), CAFile: d.CAPath()}
	c, err := full.Config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(d.FrontendServerConfig(), c); err != nil {
		t.Fatalf("the data folder's files refused: %v", err)
	}
	// A name the server's certificate does not carry: refused, unless
	// host verification is off — and then the chain still counts.
	full.ServerName = "temporal.example"
	c, err = full.Config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(d.FrontendServerConfig(), c); err == nil {
		t.Fatal("a server certificate for another name accepted")
	}
	full.DisableHostVerification = true
	c, err = full.Config()
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(d.FrontendServerConfig(), c); err != nil {
		t.Fatalf("host verification off: %v", err)
	}
	if err := handshake(other.FrontendServerConfig(), c); err == nil {
		t.Fatal("host verification off accepted a server of another CA")
	}
}

// handshake runs one TLS connection over loopback and returns the first
// error either side saw. The server writes a byte after its handshake:
// under TLS 1.3 the client finishes first, and learns that the server
// refused its certificate only on its first read.
func handshake(server, client *tls.Config) error {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		return err
	}
	defer ln.Close()
	serverErr := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		if err := conn.(*tls.Conn).Handshake(); err != nil {
			serverErr <- err
			return
		}
		_, err = conn.Write([]byte{1})
		serverErr <- err
	}()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), client)
	if err != nil {
		<-serverErr
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(conn, make([]byte, 1)); err != nil {
		<-serverErr
		return err
	}
	return <-serverErr
}
