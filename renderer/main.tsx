// Placeholder entry until the dashboard lands; keeps `vite build` working.
document.body.textContent = 'Belay';
