// Sparklines drawn on a canvas by hand: a line of the samples of the last few minutes, scaled to their own
// maximum (or a fixed one, e.g. 100 for percentages), with the latest value as a dot.

export function drawSparkline(canvas, points, { windowMs = 5 * 60 * 1000, max = null, color = '#2f7dd1' } = {}) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 120;
  const h = canvas.clientHeight || 28;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  if (points.length === 0) return;
  const now = points[points.length - 1].t;
  // until the window is full, the samples there are fill the width
  const start = Math.max(now - windowMs, points[0].t);
  const span = Math.max(now - start, 1);
  const top = max != null ? max : Math.max(1, ...points.map((p) => p.v)) * 1.15;
  const x = (t) => (points.length === 1 ? w - 4 : ((t - start) / span) * (w - 4)) + 2;
  const y = (v) => h - 2 - (Math.min(v, top) / top) * (h - 4);
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.beginPath();
  points.forEach((p, i) => (i === 0 ? g.moveTo(x(p.t), y(p.v)) : g.lineTo(x(p.t), y(p.v))));
  g.stroke();
  const last = points[points.length - 1];
  g.fillStyle = color;
  g.beginPath();
  g.arc(x(last.t), y(last.v), 2, 0, Math.PI * 2);
  g.fill();
}

/** Keeps the samples of the last windowMs. */
export class Series {
  constructor(windowMs = 5 * 60 * 1000) {
    this.windowMs = windowMs;
    this.points = [];
  }

  add(t, v) {
    this.points.push({ t, v });
    const cut = t - this.windowMs;
    while (this.points.length && this.points[0].t < cut) this.points.shift();
  }
}
