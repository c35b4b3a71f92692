// Placeholder until the tray app lands.
export {};
