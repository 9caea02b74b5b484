// Keyboard shortcuts for the review page. Saving is a plain form post: the page works without this file.
(function () {
  "use strict";
  var form = document.getElementById("grade-form");
  if (!form) { return; }
  var points = document.getElementById("points");
  var comment = document.getElementById("comment");
  function go(id) { var link = document.getElementById(id); if (link) { window.location.href = link.href; } }
  function typing(target) { return target && (target.tagName === "INPUT" && target.type === "text" || target.tagName === "TEXTAREA"); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); return; }
    if (event.key === "Enter" && event.target === points) { event.preventDefault(); form.requestSubmit(); return; }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var box = document.querySelector('input[data-key="' + event.key + '"]');
    if (box) { event.preventDefault(); box.checked = !box.checked; return; }
    switch (event.key) {
      case "j": case "ArrowRight": go("next"); break;
      case "k": case "ArrowLeft": go("prev"); break;
      case "u": go("next-ungraded"); break;
      case "p": case "g": event.preventDefault(); points.focus(); points.select(); break;
      case "c": event.preventDefault(); comment.focus(); break;
      case "?": var keys = document.querySelector("details.keys"); if (keys) { keys.open = !keys.open; } break;
      default: return;
    }
  });
  if (points && document.activeElement !== points) { points.focus(); }
}());
