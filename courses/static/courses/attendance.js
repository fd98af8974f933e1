// Check-in: the name search filters the list as one types (without this script, the search
// button asks the server). Rows filtered out keep their marks and are saved as they are.
document.addEventListener("DOMContentLoaded", () => {
  const search = document.querySelector("form[data-attendance-search]");
  const rows = Array.from(document.querySelectorAll(".attendance-row[data-name]"));
  const status = document.querySelector("[data-attendance-count]");
  if (!search || rows.length === 0) {
    return;
  }
  const input = search.querySelector("input[name=q]");
  const filter = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const match = words.every((word) => row.dataset.name.includes(word));
      row.hidden = !match;
      shown += match ? 1 : 0;
    }
    if (status) {
      status.textContent = status.dataset.template
        .replace("{shown}", shown)
        .replace("{total}", rows.length);
    }
  };
  input.addEventListener("input", filter);
});
