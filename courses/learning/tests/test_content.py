"""What authors and participants may put in: sanitised HTML, video links, checked files."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.learning.content import sanitize_html, validate_upload, video_embed_url


def test_sanitize_keeps_formatting_and_drops_scripts_styles_and_handlers():
    html = (
        '<h2>Plan</h2><p style="color:red" onclick="x()">Tekst <strong>viktig</strong>'
        '<script>alert(1)</script></p><a href="https://nb.no" target="_blank">NB</a>'
        '<a href="javascript:alert(1)">x</a><img src="x" onerror="alert(1)">'
        '<iframe src="x"></iframe>'
    )
    clean = sanitize_html(html)
    assert "<h2>Plan</h2>" in clean
    assert "<strong>viktig</strong>" in clean
    assert "script" not in clean and "alert" not in clean
    assert "style=" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "<img" not in clean and "<iframe" not in clean
    assert '<a href="https://nb.no" rel="noopener noreferrer">NB</a>' in clean
    assert "javascript:" not in clean


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ?t=10", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        (
            "https://www.youtube.com/embed/dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
        (
            "https://vimeo.com/channels/staffpicks/76979871",
            "https://player.vimeo.com/video/76979871",
        ),
        ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
        ("https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
        ('https://www.youtube.com/watch?v=bad"id<', None),
        ("javascript:alert(1)", None),
        ("https://vimeo.com/about", None),
    ],
)
def test_video_embed_url_accepts_only_youtube_and_vimeo(url, embed):
    assert video_embed_url(url) == embed


def _zip(names, first=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(first[0], first[1], compress_type=zipfile.ZIP_STORED)
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", b"%PDF-1.4\n%..."),
        ("plan.docx", _zip(["[Content_Types].xml", "word/document.xml"])),
        ("tall.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml"])),
        ("lysark.pptx", _zip(["[Content_Types].xml", "ppt/presentation.xml"])),
        (
            "plan.odt",
            _zip(["content.xml"], ("mimetype", "application/vnd.oasis.opendocument.text")),
        ),
        ("bilde.png", PNG),
        ("foto.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("notat.txt", "Kompetansebehov i Sør-Trøndelag".encode()),
    ],
)
def test_allowed_files_pass(name, content):
    validate_upload(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "not an allowed file type"),
        ("plan.pdf", b"MZ\x90\x00 not a pdf", "its content is not one"),
        ("plan.docx", _zip(["[Content_Types].xml", "xl/workbook.xml"]), "its content is not one"),
        ("plan.docx", b"PK\x03\x04 broken zip", "its content is not one"),
        ("bilde.png", b"<svg onload=alert(1)>", "its content is not one"),
        ("notat.txt", b"\x00\x01\x02binary", "its content is not one"),
        ("tom.pdf", b"", "is empty"),
    ],
)
def test_wrong_files_are_refused_with_a_clear_message(name, content, message):
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile(name, content))
    assert message in error.value.messages[0]


def test_files_above_the_size_cap_are_refused(settings):
    settings.LEARNING_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("stor.pdf", b"%PDF-1.4" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as error:
        validate_upload(big)
    assert "files may be at most 1" in error.value.messages[0]


def test_images_only_from_the_arena_itself():
    from django.urls import reverse

    own = reverse("learning:lesson_image", args=[7])
    clean = sanitize_html(
        f'<p>Kart:&nbsp;<img src="{own}" alt="Fylkeskart" onerror="x()">'
        '<img src="https://example.com/a.png"><img src="data:image/png;base64,AAAA">'
        '<img src="/media/learning/images/x.png"></p>'
    )
    assert clean == f'<p>Kart: <img src="{own}" alt="Fylkeskart"></p>'
