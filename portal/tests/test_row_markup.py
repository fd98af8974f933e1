"""The lists' rows are written by `portal.rows.markup`: it must write exactly what
`format_html` writes, for any value a row shows (names and titles people typed, safe markup
built before, lazy translations, numbers, nothing)."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from portal.rows import escaped, markup, markup_join

ROW = '<tr><td><a href="{}">{}</a></td><td data-label="{}">{}</td><td>{}</td></tr>'

values = st.one_of(
    st.text(),
    st.text(alphabet="<>&'\"æøå ").map(str),
    st.text().map(mark_safe),
    st.integers(),
    st.none(),
    st.just(gettext_lazy("Library")),
)


@given(st.tuples(values, values, values, values, values))
def test_a_row_is_written_as_format_html_writes_it(row):
    written = markup(ROW, *row)
    assert written == format_html(ROW, *row)
    assert isinstance(written, SafeString)


@given(st.lists(st.tuples(values, values, values, values, values), max_size=5))
def test_rows_are_joined_as_format_html_join_joins_them(rows):
    assert markup_join("\n", ROW, rows) == format_html_join("\n", ROW, rows)


def test_what_someone_typed_is_escaped_and_safe_markup_kept():
    assert escaped('<script>alert("x")</script> & \'') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;"
    )
    assert escaped(mark_safe("<strong>x</strong>")) == "<strong>x</strong>"
    assert markup("<td>{}</td>", "Hamar <bibliotek>") == "<td>Hamar &lt;bibliotek&gt;</td>"
