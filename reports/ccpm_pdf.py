"""An optional PDF of a self-contained HTML report, when the machine can render one.

Tries WeasyPrint if it is importable, else a headless Chromium on PATH; otherwise it skips and says why.
Neither is a dependency of the project: the HTML page itself prints cleanly to PDF from any browser.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 120


def write_pdf(html: Path, pdf: Path) -> tuple[Path | None, str]:
    """Render ``html`` to ``pdf``; return (the PDF path or None, a one-line note for the run summary)."""
    try:
        import weasyprint  # noqa: PLC0415 - optional, imported only when present
    except ImportError:
        weasyprint = None
    if weasyprint is not None:
        weasyprint.HTML(filename=str(html)).write_pdf(str(pdf))
        return pdf, f"PDF written with WeasyPrint: {pdf}"
    browser = next((shutil.which(name) for name in CHROMIUMS if shutil.which(name)), None)
    if browser is None:
        return None, ("PDF skipped: neither WeasyPrint nor a headless Chromium is available on this machine; "
                      f"open {html.name} in a browser and print it to PDF.")
    with tempfile.TemporaryDirectory(prefix="clustermon-chromium-") as profile:
        command = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
                   html.resolve().as_uri()]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if result.returncode != 0 or not pdf.exists():
        return None, f"PDF skipped: {Path(browser).name} failed ({result.stderr.strip()[:200]})"
    return pdf, f"PDF written with {Path(browser).name}: {pdf}"
