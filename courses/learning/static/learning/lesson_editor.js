// The lesson text is written in a rich-text editor (Quill, from npm, served by the portal).
// Without this script the text area stays and takes the same simple HTML; the server cleans
// whatever comes (nh3), so the editor is a convenience, never the guard.
//
// Content-Security-Policy: Quill is used without a theme, with our own toolbar (buttons with
// visible names), so nothing inserts inline styles or scripts.
document.addEventListener("DOMContentLoaded", () => {
  const textarea = document.querySelector("textarea[data-rich-text]");
  const toolbar = document.querySelector("[data-editor-toolbar]");
  if (!textarea || !toolbar || typeof window.Quill === "undefined") {
    return;
  }
  const message = document.querySelector("[data-editor-message]");
  const imageInput = toolbar.querySelector("[data-editor-image]");
  const csrf = textarea.form.querySelector("input[name=csrfmiddlewaretoken]").value;

  const editor = document.createElement("div");
  editor.id = `${textarea.id}_editor`;
  editor.className = "lesson-editor form-control";
  textarea.before(toolbar, editor);
  toolbar.hidden = false;
  toolbar.setAttribute("aria-controls", editor.id);
  textarea.hidden = true;

  const say = (text) => {
    message.textContent = text;
    message.hidden = !text;
  };

  const quill = new window.Quill(editor, {
    formats: ["header", "bold", "italic", "list", "blockquote", "link", "image"],
    modules: {
      toolbar: {
        container: toolbar,
        handlers: {
          link(value) {
            if (!value) {
              quill.format("link", false);
              return;
            }
            const url = window.prompt(toolbar.dataset.linkPrompt, "https://");
            if (url && /^(https?:\/\/|mailto:)/i.test(url.trim())) {
              quill.format("link", url.trim());
            }
          },
          image() {
            imageInput.click();
          },
        },
      },
    },
  });
  // The stored text, loaded without moving the focus into the editor (the person may be typing
  // the title while the page finishes loading).
  quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");

  // The editing area is named by the field's label and described by its help text.
  const root = quill.root;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  root.setAttribute("role", "textbox");
  root.setAttribute("aria-multiline", "true");
  if (label) {
    label.id = label.id || `${textarea.id}_label`;
    root.setAttribute("aria-labelledby", label.id);
    label.addEventListener("click", () => quill.focus());
  }
  const help = document.getElementById(`${textarea.id}_helptext`);
  if (help) {
    root.setAttribute("aria-describedby", help.id);
  }
  if (textarea.classList.contains("is-invalid")) {
    editor.classList.add("is-invalid");
    root.setAttribute("aria-invalid", "true");
  }

  // What is sent: the editor's HTML with plain spaces (Quill writes &nbsp; for every space).
  const sync = () => {
    const html = quill.getSemanticHTML().replace(/&nbsp;/g, " ");
    const empty = !quill.getText().trim() && !html.includes("<img");
    textarea.value = empty ? "" : html;
  };
  quill.on("text-change", sync);
  textarea.form.addEventListener("submit", sync);

  // Toolbar buttons say whether their format is on (for screen readers as for the eye).
  const pressed = () => {
    const formats = quill.getFormat();
    for (const button of toolbar.querySelectorAll("button[aria-pressed]")) {
      const name = [...button.classList].find((c) => c.startsWith("ql-")).slice(3);
      const on = button.value ? formats[name] === button.value : Boolean(formats[name]);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
  };
  quill.on("editor-change", pressed);

  imageInput.addEventListener("change", async () => {
    const file = imageInput.files[0];
    imageInput.value = "";
    if (!file) {
      return;
    }
    const alt = window.prompt(toolbar.dataset.altPrompt, "") || "";
    const range = quill.getSelection(true);
    const body = new FormData();
    body.append("image", file);
    say(toolbar.dataset.uploading);
    message.classList.replace("alert-danger", "alert-info");
    try {
      const response = await fetch(toolbar.dataset.uploadUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (!response.ok) {
        throw new Error(answer.error || toolbar.dataset.uploadFailed);
      }
      quill.insertEmbed(range.index, "image", answer.url, "user");
      quill.formatText(range.index, 1, "alt", alt, "user");
      quill.setSelection(range.index + 1, 0, "user");
      say("");
    } catch (error) {
      message.classList.replace("alert-info", "alert-danger");
      say(error.message || toolbar.dataset.uploadFailed);
    }
  });
});
