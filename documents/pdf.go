package documents

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duty-project/duty"
)

// Printer prints documents to PDF in headless Chromium (Debian's
// chromium package, with fonts-noto-cjk for the Chinese text).
type Printer struct {
	// Chromium is the browser binary; empty finds it (FindChromium).
	Chromium string
	// Timeout bounds one print, browser start included; 0 means 60 s.
	Timeout time.Duration

	sem chan struct{}
}

// maxPrints is how many browsers print at once: each is a few hundred MB
// and a core's worth of work for a second.
const maxPrints = 2

// FindChromium is the browser documents are printed with: $DUTY_CHROMIUM,
// or Debian's /usr/bin/chromium. Empty means there is none.
func FindChromium() string {
	for _, p := range []string{os.Getenv("DUTY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// errNoChromium is the answer when there is no browser to print with.
func errNoChromium() error {
	return duty.Fail(duty.EUnavailable, "document.pdf.no_chromium", nil)
}

// PDF prints an HTML page (one from Render) to an A4 PDF.
func (p *Printer) PDF(ctx context.Context, html []byte) ([]byte, error) {
	return p.print(ctx, html)
}

// bookFooter numbers a book's pages (the browser fills the spans in); its
// font size must be set, the browser's is 0 there.
const bookFooter = `<div style="width:100%;text-align:center;font-size:9pt;font-family:'Noto Serif CJK SC',serif">` +
	`第 <span class="pageNumber"></span> 页，共 <span class="totalPages"></span> 页</div>`

// Book prints a long HTML page — a whole case file — to one A4 PDF with
// its pages numbered at the foot (卷内页号), its headings as the PDF's
// outline, streamed from the browser as it is large.
func (p *Printer) Book(ctx context.Context, html []byte) ([]byte, error) {
	return p.print(ctx, html, chromedp.PDFHeaderTemplate("<span></span>"), chromedp.PDFFooterTemplate(bookFooter),
		chromedp.PDFOutlineAndTagged(), chromedp.PDFStream())
}

func (p *Printer) print(ctx context.Context, html []byte, extra ...chromedp.PDFOption) ([]byte, error) {
	bin := p.Chromium
	if bin == "" {
		bin = FindChromium()
	}
	if bin == "" {
		return nil, errNoChromium()
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, errNoChromium()
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if p.sem == nil {
		return nil, fmt.Errorf("documents: use NewPrinter")
	}
	select {
	case p.sem <- struct{}{}:
		defer func() { <-p.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	dir, err := os.MkdirTemp("", "duty-print-")
	if err != nil {
		return nil, fmt.Errorf("documents: print: %w", err)
	}
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "document.html")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		return nil, fmt.Errorf("documents: print: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	u := url.URL{Scheme: "file", Path: page}
	if err := chromedp.Do(bctx, chromedp.Navigate(u.String())); err != nil {
		return nil, fmt.Errorf("documents: print: open the page in %s: %w", bin, err)
	}
	pdfOpts := append([]chromedp.PDFOption{chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()}, extra...)
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(pdfOpts...))
	if err != nil {
		return nil, fmt.Errorf("documents: print to PDF: %w", err)
	}
	return pdf, nil
}

// NewPrinter is a Printer that looks for the browser at each print
// (FindChromium), so one installed while duty runs is used; with none,
// PDF answers what to install.
func NewPrinter() *Printer {
	return &Printer{sem: make(chan struct{}, maxPrints)}
}
