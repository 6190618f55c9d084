package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/internal/temporaltls"
	"github.com/duty-project/duty/warrant"
	"github.com/duty-project/duty/workflows"
)

// clientTLS is a client's TLS configuration trusting the data folder's CA,
// presenting cert (none when nil).
func (in *instance) clientTLS(cert *tls.Certificate) *tls.Config {
	in.t.Helper()
	pem, err := os.ReadFile(in.certFile("ca.pem"))
	if err != nil {
		in.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		in.t.Fatal("no certificate in ca.pem")
	}
	c := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	return c
}

// clientCert is the data folder's client certificate, duty's own.
func (in *instance) clientCert() *tls.Certificate {
	in.t.Helper()
	pair, err := tls.LoadX509KeyPair(in.certFile("client.pem"), in.certFile("client-key.pem"))
	if err != nil {
		in.t.Fatal(err)
	}
	return &pair
}

// temporalClient is an SDK client of the embedded server with duty's
// client certificate.
func (in *instance) temporalClient(t *testing.T) client.Client {
	t.Helper()
	if in.temporal == "" {
		t.Fatal("duty did not print its embedded Temporal address")
	}
	c, err := client.Dial(client.Options{HostPort: in.temporal, Namespace: "duty", Logger: quietLogger{},
		ConnectionOptions: client.ConnectionOptions{TLS: in.clientTLS(in.clientCert())},
		// Sends the warrant of warrant.With, as duty's API does.
		ContextPropagators: []workflow.ContextPropagator{warrant.Propagator()}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEmbeddedTemporalRequiresClientCertificate: the embedded server's
// frontend is on loopback, where any process on the machine reaches it;
// mutual TLS with the data folder's certificates is what keeps another
// process from starting, changing or ending cases behind duty's API, or
// from polling its task queue as a fake worker. A client without a
// certificate, and one with a certificate from another CA, fail at the
// handshake; duty's own certificate works; the services behind the
// frontend let in only the server itself.
func TestEmbeddedTemporalRequiresClientCertificate(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	if duty.temporal == "" {
		t.Fatalf("no embedded Temporal address in the output:\n%s", duty.output)
	}
	inspector := duty.login("zhao.jiancha")
	company := duty.login("qian.zong")
	no := caseOf(inspector.must(201, "POST", "/api/v1/hazards", map[string]any{
		"grade": "general", "enterprise_id": company.orgID, "location": "x", "description": "y"}))["case_no"].(string)
	workflowID := "hazard/" + no

	// The certificate folder: the owner's only.
	dir := filepath.Join(duty.dataDir, "temporal-tls")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v %v, want mode 0700", dir, fi, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if fi, err := e.Info(); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), fi.Mode())
		}
	}

	other, err := temporaltls.EnsureDev(t.TempDir(), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	intruders := []struct {
		name string
		tls  *tls.Config
		// why is in the error. Over TLS the handshake's own complaint is
		// not there for sure: under TLS 1.3 the client sends its first
		// request before the server has checked its certificate, and the
		// server's alert races that write (the client may see only a
		// broken pipe); the probe of every listener below reads the
		// alerts on their own.
		why string
	}{
		{"plain gRPC", nil, "server preface"},
		{"TLS without a client certificate", duty.clientTLS(nil), ""},
		{"a client certificate from another CA", duty.clientTLS(&other.Client), ""},
	}
	for _, intruder := range intruders {
		t.Run(intruder.name, func(t *testing.T) {
			c, err := client.NewLazyClient(client.Options{HostPort: duty.temporal, Namespace: "duty", Logger: quietLogger{},
				ConnectionOptions: client.ConnectionOptions{TLS: intruder.tls}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// What an intruder would do: look, poll the task queue as a
			// fake worker, start, update, signal, end a case. The
			// connection fails before any request reaches the server (a
			// refusal by the server would be another error: permission
			// denied, not found).
			try := func(what string, call func(ctx context.Context) error) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				refusedAtHandshake(t, what, call(ctx), intruder.why)
			}
			try("GetSystemInfo", func(ctx context.Context) error {
				_, err := c.WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{})
				return err
			})
			try("PollWorkflowTaskQueue", func(ctx context.Context) error {
				_, err := c.WorkflowService().PollWorkflowTaskQueue(ctx, &workflowservice.PollWorkflowTaskQueueRequest{
					Namespace: "duty", TaskQueue: &taskqueuepb.TaskQueue{Name: workflows.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}, Identity: "intruder"})
				return err
			})
			try("ListWorkflow", func(ctx context.Context) error {
				_, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "duty"})
				return err
			})
			try("ExecuteWorkflow", func(ctx context.Context) error {
				_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "hazard/intruder", TaskQueue: workflows.TaskQueue}, "HazardRectification")
				return err
			})
			try("UpdateWorkflow", func(ctx context.Context) error {
				_, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflowID, UpdateName: "close",
					WaitForStage: client.WorkflowUpdateStageAccepted})
				return err
			})
			try("SignalWorkflow", func(ctx context.Context) error {
				return c.SignalWorkflow(ctx, workflowID, "", "x", nil)
			})
			try("TerminateWorkflow", func(ctx context.Context) error {
				return c.TerminateWorkflow(ctx, workflowID, "", "intruder")
			})
		})
	}

	// duty's own certificate: the same calls work, and the case is as the
	// intruders found it.
	c := duty.temporalClient(t)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{}); err != nil {
		t.Fatalf("GetSystemInfo with duty's certificate: %v", err)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution with duty's certificate: %v", err)
	}
	if s := desc.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("%s is %s after the intruders", workflowID, s)
	}
	for found := false; !found; time.Sleep(200 * time.Millisecond) {
		list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "duty"})
		if err != nil {
			t.Fatalf("ListWorkflow with duty's certificate: %v", err)
		}
		for _, e := range list.GetExecutions() {
			found = found || e.GetExecution().GetWorkflowId() == workflowID
		}
	}
	if c := inspector.must(200, "GET", "/api/v1/cases/"+no, nil); state(c) != "reported" {
		t.Fatalf("case %s: %s after the intruders", no, state(c))
	}

	t.Run("every listener is mutual TLS", func(t *testing.T) {
		ports := listeningPorts(t, duty.cmd.Process.Pid)
		api := duty.base[strings.LastIndex(duty.base, ":")+1:]
		ports = slices.DeleteFunc(ports, func(p string) bool { return p == api })
		_, frontend, _ := net.SplitHostPort(duty.temporal)
		if len(ports) != 4 || !slices.Contains(ports, frontend) {
			t.Fatalf("ports %v besides the API's: want the four Temporal services, the frontend %s among them", ports, frontend)
		}
		for _, port := range ports {
			addr := net.JoinHostPort("127.0.0.1", port)
			if err := probe(addr, duty.clientTLS(nil)); err == nil || !strings.Contains(err.Error(), "certificate required") {
				t.Errorf("%s without a certificate: %v, want the handshake refused", addr, err)
			}
			if err := probe(addr, duty.clientTLS(&other.Client)); err == nil || !strings.Contains(err.Error(), "unknown certificate authority") {
				t.Errorf("%s with another CA's certificate: %v, want the handshake refused", addr, err)
			}
			err := probe(addr, duty.clientTLS(duty.clientCert()))
			if port == frontend && err != nil {
				t.Errorf("frontend %s refused duty's certificate: %v", addr, err)
			}
			// history, matching, worker: only the server talks to them.
			if port != frontend && (err == nil || !strings.Contains(err.Error(), "bad certificate")) {
				t.Errorf("internode %s with duty's client certificate: %v, want it refused", addr, err)
			}
		}
	})

	t.Run("duty worker takes the --temporal-tls flags", func(t *testing.T) {
		worker := exec.Command(binary(t), "worker", "--temporal-address", duty.temporal,
			"--temporal-tls-cert", duty.certFile("client.pem"), "--temporal-tls-key", duty.certFile("client-key.pem"),
			"--temporal-tls-ca", duty.certFile("ca.pem"), "--temporal-tls-server-name", "localhost")
		worker.Env = append(os.Environ(), "DATABASE_URL="+db, "DUTY_LOG_LEVEL=info")
		out := &syncBuffer{}
		stderr, err := worker.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		worker.Stdout = out
		if err := worker.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = worker.Process.Kill(); _ = worker.Wait(); keepOutputIfFailed(t, "worker", out) })
		running := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), "worker running") {
					close(running)
				}
			}
		}()
		select {
		case <-running:
		case <-time.After(time.Minute):
			t.Fatalf("duty worker did not connect with the flags:\n%s", out)
		}
	})
}

// refusedAtHandshake fails the test unless err is a connection that
// failed: unavailable, saying why when why is not empty.
func refusedAtHandshake(t *testing.T, what string, err error, why string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded", what)
		return
	}
	t.Logf("%s: %v", what, err)
	var unavailable *serviceerror.Unavailable
	if !errors.As(err, &unavailable) || !strings.Contains(err.Error(), why) {
		t.Errorf("%s: %v, want unavailable (%q)", what, err, why)
	}
}

// probe opens a TLS connection to addr as a gRPC client would and reads
// the server's first bytes: under TLS 1.3 a refused client certificate
// only shows on that read.
func probe(addr string, c *tls.Config) error {
	c.NextProtos = []string{"h2"}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, c)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadFull(conn, make([]byte, 1))
	return err
}

// listeningPorts are the TCP ports process pid listens on (Linux: from
// /proc, the sockets among its open files).
func listeningPorts(t *testing.T, pid int) []string {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var ports []string
	for _, table := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			const listen = "0A"
			if len(f) < 10 || f[3] != listen || !inodes[f[9]] {
				continue
			}
			port, err := strconv.ParseUint(f[1][strings.LastIndex(f[1], ":")+1:], 16, 16)
			if err != nil {
				t.Fatal(err)
			}
			if p := strconv.FormatUint(port, 10); !slices.Contains(ports, p) {
				ports = append(ports, p)
			}
		}
	}
	return ports
}
