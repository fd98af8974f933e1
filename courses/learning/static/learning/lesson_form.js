// The lesson form shows only the fields the chosen kind of lesson needs.
// Without this script every field is shown, and the server says what is missing.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-lesson-form]");
  if (!form) {
    return;
  }
  const fieldsByKind = { text: "body", file: "file", link: "url", video: "video_url" };
  const wrapper = (name) => form.querySelector(`#div_id_${name}`);
  const update = () => {
    const chosen = form.querySelector("input[name=kind]:checked");
    const kind = chosen ? chosen.value : "text";
    for (const [fieldKind, name] of Object.entries(fieldsByKind)) {
      const element = wrapper(name);
      if (!element) {
        continue;
      }
      // Text may accompany every kind; a field with an error always stays visible.
      const keep =
        fieldKind === kind || name === "body" || element.querySelector(".is-invalid") !== null;
      element.hidden = !keep;
    }
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") {
      update();
    }
  });
  update();
});
