// Kompetanseportalen: small progressive enhancements; every page works without this file.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-confirm]");
  if (trigger && !window.confirm(trigger.dataset.confirm)) {
    event.preventDefault();
  }
});

// A table wider than the screen scrolls sideways inside its .table-responsive wrapper. While it
// does, the wrapper is a focusable region named by the table's caption, so keyboard users can
// reach and scroll it (WCAG 2.1.1); a table that fits adds no tab stop.
function markScrollingTables() {
  document.querySelectorAll(".table-responsive").forEach((wrapper) => {
    const scrolls = wrapper.scrollWidth > wrapper.clientWidth;
    if (wrapper.dataset.scrollRegion === undefined && wrapper.hasAttribute("tabindex")) {
      return; // made focusable in its template
    }
    if (scrolls && wrapper.dataset.scrollRegion === undefined) {
      const caption = wrapper.querySelector("caption");
      wrapper.dataset.scrollRegion = "";
      wrapper.setAttribute("tabindex", "0");
      if (caption) {
        caption.id = caption.id || `table-caption-${Math.random().toString(36).slice(2)}`;
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-labelledby", caption.id);
      }
    } else if (!scrolls && wrapper.dataset.scrollRegion !== undefined) {
      delete wrapper.dataset.scrollRegion;
      ["tabindex", "role", "aria-labelledby"].forEach((name) => wrapper.removeAttribute(name));
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);
