// The question form shows only the parts the chosen type of question needs.
// Without this script every part is shown, and the server ignores those of other types.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-question-form]");
  const kind = form ? form.querySelector("select[name=kind]") : null;
  if (!kind) {
    return;
  }
  const update = () => {
    for (const part of form.querySelectorAll("fieldset[data-kinds]")) {
      // A part with an error always stays visible.
      const keep =
        part.dataset.kinds.split(" ").includes(kind.value) ||
        part.querySelector(".is-invalid") !== null;
      part.hidden = !keep;
    }
  };
  kind.addEventListener("change", update);
  update();
});
