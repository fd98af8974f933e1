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

// A table wider than the screen scrolls sideways inside its .table-responsive wrapper, and so does
// a long line of code in a <pre>. While one does, it is focusable (a table's wrapper a region named
// by its caption), so keyboard users can reach and scroll it (WCAG 2.1.1); one that fits adds no
// tab stop.
function markScrollingRegions() {
  document.querySelectorAll(".table-responsive, pre").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth;
    if (box.dataset.scrollRegion === undefined && box.hasAttribute("tabindex")) {
      return; // made focusable in its template
    }
    if (scrolls && box.dataset.scrollRegion === undefined) {
      box.dataset.scrollRegion = "";
      box.setAttribute("tabindex", "0");
      const caption = box.querySelector("caption");
      if (caption) {
        caption.id = caption.id || `table-caption-${Math.random().toString(36).slice(2)}`;
        box.setAttribute("role", "region");
        box.setAttribute("aria-labelledby", caption.id);
      }
    } else if (!scrolls && box.dataset.scrollRegion !== undefined) {
      delete box.dataset.scrollRegion;
      ["tabindex", "role", "aria-labelledby"].forEach((name) => box.removeAttribute(name));
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingRegions);
window.addEventListener("resize", markScrollingRegions);
document.addEventListener("htmx:afterSettle", markScrollingRegions);
