// The live chart of embedviz (issue #28): a Plotly chart updated in place, never drawn anew,
// so that a slow browser never shows a blank or half-drawn frame.
//
// Streamlit calls the default export each time the server sends the element anew (every
// refresh of a live view), with the same parentElement while the element stays on the page.
// The chart's <div> is made once per parentElement, and Plotly.react moves the drawn chart to
// each new figure. Messages that arrive while a draw is running wait; only the newest is
// drawn next. Plotly.js is the installed plotly package's own plotly.min.js, served by the app
// (ui/live_chart.py): nothing comes from the internet.

const PLOTLY_URL = new URL("../embedviz.plotly/plotly.min.js", import.meta.url).href;
const URL_EVERY = 2000; // ms: the address bar follows a playing view at most this often
const views = new WeakMap(); // parentElement -> {div, latest, drawing, listening, click}
let plotlyLoading = null;
let urlWritten = 0;

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = PLOTLY_URL;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { plotlyLoading = null; reject(new Error("cannot load Plotly")); };
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

function decode(data) {
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
    return JSON.parse(new TextDecoder().decode(data));
  }
  return typeof data === "string" ? JSON.parse(data) : data;
}

// The view's step in the address bar while it plays (issue #26): a reload, or the link
// copied from it, opens the model at that step. The app reads these values on its next page
// load, as it reads every setting in the URL.
function keepInUrl(values) {
  const now = Date.now();
  if (now - urlWritten < URL_EVERY) return;
  urlWritten = now;
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(values)) url.searchParams.set(name, String(value));
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
}

async function draw(view) {
  if (view.drawing) return; // the newest message is drawn when this draw ends
  view.drawing = true;
  try {
    const Plotly = await loadPlotly();
    while (view.latest) {
      const msg = view.latest;
      view.latest = null;
      await Plotly.react(view.div, msg.fig.data, msg.fig.layout, msg.config);
      view.div.dataset.drawn = String(Number(view.div.dataset.drawn || 0) + 1);
      if (!view.listening) {
        view.listening = true;
        view.div.on("plotly_click", (event) => {
          const point = event && event.points && event.points[0];
          if (point && typeof point.customdata === "string" && view.click) {
            view.click("click", point.customdata);
          }
        });
      }
    }
  } catch (error) {
    console.error("embedviz live chart:", error);
  } finally {
    view.drawing = false;
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return;
  let view = views.get(parentElement);
  if (!view) {
    const div = document.createElement("div");
    div.className = "embedviz-live-chart";
    div.style.width = "100%";
    parentElement.appendChild(div);
    view = { div, latest: null, drawing: false, listening: false, click: null };
    views.set(parentElement, view);
  }
  const msg = decode(data);
  view.div.dataset.received = String(Number(view.div.dataset.received || 0) + 1);
  view.click = msg.clickable ? setTriggerValue : null;
  view.latest = msg;
  if (msg.height) view.div.style.height = msg.height + "px";
  if (msg.url) keepInUrl(msg.url);
  draw(view);
}
