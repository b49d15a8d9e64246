// hoso: drag-and-drop of scans and the live progress of a build. Works without it too:
// every drop zone is also a form with a file field, every page reloads on its own.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function send(form, file) {
  const data = new FormData(form);
  data.set("tep", file, file.name);
  return fetch(form.action, {method: "POST", body: data, headers: {"X-CSRF-Token": csrf()}});
}

function setupDrop(form) {
  const stop = (event) => { event.preventDefault(); event.stopPropagation(); };
  ["dragenter", "dragover"].forEach((name) => form.addEventListener(name, (event) => {
    stop(event); form.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => form.addEventListener(name, (event) => {
    stop(event); form.classList.remove("over");
  }));
  form.addEventListener("drop", async (event) => {
    const files = Array.from(event.dataTransfer.files);
    form.classList.add("busy");
    const problems = [];
    for (const file of files) {
      const answer = await send(form, file);
      if (!answer.ok) {
        const body = await answer.json().catch(() => ({error: answer.statusText}));
        problems.push(`${file.name}: ${body.error}`);
      }
    }
    if (problems.length) { window.alert(problems.join("\n")); }
    window.location.hash = "dinh-kem";
    window.location.reload();
  });
}

function watch(box) {
  const bar = box.querySelector("progress");
  const label = box.querySelector(".label");
  // Often, 0.1 s, for the first two seconds: a rebuild after one changed row is done in
  // about half a second (benchmarks/bench_web_job.py), and the page should show it then,
  // not at the next of 0.4 s polls. Longer builds are polled every 0.4 s.
  const started = Date.now();
  const poll = async () => {
    const answer = await fetch(box.dataset.progress, {headers: {"Accept": "application/json"}});
    if (answer.ok) {
      const job = await answer.json();
      bar.value = job.percent;
      bar.textContent = `${job.percent}%`;
      label.textContent = job.total ? `${job.label} ${job.done}/${job.total}` : job.label;
      if (job.state !== "running") {
        window.location.hash = "dung";
        window.location.reload();
        return;
      }
    }
    window.setTimeout(poll, Date.now() - started < 2000 ? 100 : 400);
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.drop").forEach(setupDrop);
  document.querySelectorAll("[data-progress]").forEach(watch);
});
