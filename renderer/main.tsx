import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { Api, takeFragment } from './lib/api.js';
import './styles.css';

const { token, params } = takeFragment();
const root = createRoot(document.getElementById('root')!);
if (!token) {
  root.render(
    <main className="signin">
      <h1>Belay</h1>
      <p>This page needs Belay's access token. Open the dashboard with <code>belay open</code>, from the tray menu, or with the URL <code>belay serve</code> printed.</p>
    </main>,
  );
} else {
  root.render(
    <StrictMode>
      <App api={new Api(token)} startTab={params.get('tab')} />
    </StrictMode>,
  );
}
