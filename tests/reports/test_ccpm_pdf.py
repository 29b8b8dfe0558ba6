"""The optional PDF: written when the machine has a renderer, otherwise skipped with a note saying why."""

from __future__ import annotations

import shutil

from reports.ccpm_pdf import CHROMIUMS, write_pdf


def _has_renderer() -> bool:
    try:
        import weasyprint  # noqa: F401
        return True
    except ImportError:
        return any(shutil.which(name) for name in CHROMIUMS)


def test_a_pdf_is_written_when_a_renderer_exists_and_the_note_says_so(tmp_path):
    html = tmp_path / "report.html"
    html.write_text("<html><body><h1>CCPM</h1><p style='background:#e74c3c'>Weak</p></body></html>")
    pdf, note = write_pdf(html, tmp_path / "report.pdf")
    if _has_renderer():
        assert pdf == tmp_path / "report.pdf" and pdf.read_bytes().startswith(b"%PDF")
        assert note.startswith("PDF written")
    else:
        assert pdf is None and not (tmp_path / "report.pdf").exists()
        assert "print it to PDF" in note
