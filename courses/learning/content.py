"""Checking what authors and participants put into the arena: HTML, video links and files."""

from __future__ import annotations

import re
import zipfile
from pathlib import PurePath
from urllib.parse import parse_qs, urlsplit

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# --- rich text ---

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "ul",
        "ol",
        "li",
        "a",
        "blockquote",
        "code",
        "pre",
        "hr",
        "img",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}
# An image in a lesson is one uploaded to the arena and served through its policy (a relative
# address of the portal); anything else (another site, data:, javascript:) is removed.
LESSON_IMAGE_SRC = re.compile(r"^/laering/bilder/\d{1,12}/$")
_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not LESSON_IMAGE_SRC.match(value):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Keep a small set of formatting tags and the arena's own images; links get
    rel="noopener noreferrer". The editor's non-breaking spaces become plain ones."""
    clean = nh3.clean(
        (html or "").replace("&nbsp;", " ").replace("\xa0", " "),
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return _IMAGE_WITHOUT_SOURCE.sub("", clean).strip()


# --- video links ---

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{1,12}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_YOUTUBE_HOSTS |= {"www.youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def video_embed_url(url: str) -> str | None:
    """The embeddable player address for a YouTube or Vimeo link, or None for anything else.

    Only these two players are allowed as frame sources by the Content-Security-Policy, and
    YouTube is embedded through its no-cookie host.
    """
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    video_id = None
    if host in _YOUTUBE_HOSTS:
        if segments[:1] == ["watch"]:
            video_id = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(segments) >= 2 and segments[0] in ("embed", "shorts", "live", "v"):
            video_id = segments[1]
    elif host == "youtu.be" and segments:
        video_id = segments[0]
    elif host in _VIMEO_HOSTS:
        if host == "player.vimeo.com" and len(segments) >= 2 and segments[0] == "video":
            video_id = segments[1]
        elif host != "player.vimeo.com" and segments:
            video_id = segments[-1] if _VIMEO_ID.match(segments[-1]) else segments[0]
        if video_id and _VIMEO_ID.match(video_id):
            return f"https://player.vimeo.com/video/{video_id}"
        return None
    if video_id and _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    return None


def validate_video_url(url: str) -> None:
    if video_embed_url(url) is None:
        raise ValidationError(
            _(
                "Only YouTube and Vimeo video links can be embedded, e.g. https://vimeo.com/76979871."
            )
        )


# --- files ---


def _is_zip_with(path_prefix: str):
    def check(head: bytes, fileobj) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            fileobj.seek(0)
            names = zipfile.ZipFile(fileobj).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(path_prefix) for n in names)

    return check


def _is_odt(head: bytes, fileobj) -> bool:
    # An OpenDocument file starts with an uncompressed "mimetype" member naming its type.
    return head.startswith(b"PK\x03\x04") and b"application/vnd.oasis.opendocument.text" in head


def _is_text(head: bytes, fileobj) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            # The first bytes may end in the middle of a multi-byte character.
            if encoding == "utf-8" and error.start >= len(head) - 3:
                return True
            continue
        return True
    return False


FILE_TYPES = {
    ".pdf": ("PDF", lambda head, f: head.startswith(b"%PDF-")),
    ".docx": ("Word", _is_zip_with("word/")),
    ".xlsx": ("Excel", _is_zip_with("xl/")),
    ".pptx": ("PowerPoint", _is_zip_with("ppt/")),
    ".odt": ("OpenDocument", _is_odt),
    ".png": ("PNG", lambda head, f: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("JPEG", lambda head, f: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("JPEG", lambda head, f: head.startswith(b"\xff\xd8\xff")),
    ".txt": ("text", _is_text),
}
SNIFF_BYTES = 2048


def max_upload_bytes() -> int:
    return getattr(settings, "LEARNING_MAX_UPLOAD_MB", 20) * 1024 * 1024


def allowed_extensions_text() -> str:
    return "PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG, TXT"


IMAGE_TYPES = (".png", ".jpg", ".jpeg")


def validate_image(uploaded) -> None:
    """An image for a lesson: PNG or JPEG (by name and by content), within the size cap."""
    name = PurePath(getattr(uploaded, "name", "") or "").name
    if PurePath(name).suffix.lower() not in IMAGE_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an image the lesson can show. Use PNG or JPG.") % {"name": name}
        )
    validate_upload(uploaded)


def validate_upload(uploaded) -> None:
    """Refuse files of other types (by extension AND by their first bytes) or above the size cap."""
    name = getattr(uploaded, "name", "") or ""
    extension = PurePath(name).suffix.lower()
    if extension not in FILE_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an allowed file type. Allowed types: %(types)s.")
            % {"name": PurePath(name).name, "types": allowed_extensions_text()}
        )
    if uploaded.size > max_upload_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {
                "name": PurePath(name).name,
                "size": filesizeformat(uploaded.size),
                "max": filesizeformat(max_upload_bytes()),
            }
        )
    if uploaded.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": PurePath(name).name})
    label, sniff = FILE_TYPES[extension]
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    try:
        matches = sniff(head, uploaded)
    finally:
        uploaded.seek(0)
    if not matches:
        raise ValidationError(
            _("“%(name)s” is named as a %(type)s file but its content is not one.")
            % {"name": PurePath(name).name, "type": label}
        )
