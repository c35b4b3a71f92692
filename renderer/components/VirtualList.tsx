import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  /** Stable key per item. */
  keyOf: (item: T) => string;
  renderRow: (item: T, selected: boolean) => ReactNode;
  selectedKey?: string;
  onSelect?: (item: T) => void;
  /** Called when the user scrolls near the end (load older items). */
  onEndReached?: () => void;
  label: string;
  overscan?: number;
}

/**
 * A windowed list: only the rows in view (plus a few) exist in the DOM, so ten thousand
 * events scroll like ten. Rows have a fixed height, which keeps the maths exact and the
 * scroll position stable when live events arrive. Keyboard: arrows, Page Up/Down,
 * Home/End move the selection (a listbox with aria-activedescendant).
 */
export function VirtualList<T>({ items, rowHeight, keyOf, renderRow, selectedKey, onSelect, onEndReached, label, overscan = 8 }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Live events arrive at the top: keep what the user is reading in place when they have scrolled down.
  const prevFirst = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    const el = ref.current;
    const before = prevFirst.current;
    prevFirst.current = items.length ? keyOf(items[0]) : undefined;
    if (!el || before === undefined || el.scrollTop === 0) return;
    const limit = Math.min(items.length, 10_000);
    for (let i = 0; i < limit; i++) {
      if (keyOf(items[i]) === before) {
        if (i > 0) el.scrollTop += i * rowHeight;
        return;
      }
    }
  }, [items, keyOf, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    if (onEndReached && items.length > 0 && last >= items.length - overscan) onEndReached();
  }, [last, items.length, onEndReached, overscan]);

  const selectedIndex = selectedKey === undefined ? -1 : items.findIndex((i) => keyOf(i) === selectedKey);

  const select = useCallback(
    (index: number) => {
      const el = ref.current;
      const item = items[index];
      if (!el || item === undefined) return;
      onSelect?.(item);
      const top = index * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    },
    [items, onSelect, rowHeight],
  );

  const onKeyDown = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: selectedIndex + 1,
      ArrowUp: selectedIndex - 1,
      PageDown: selectedIndex + page,
      PageUp: selectedIndex - page,
      Home: 0,
      End: items.length - 1,
    };
    if (!(e.key in moves)) return;
    e.preventDefault();
    select(Math.min(items.length - 1, Math.max(0, moves[e.key])));
  };

  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i];
    const key = keyOf(item);
    const selected = key === selectedKey;
    rows.push(
      <div
        key={key}
        id={`row-${key}`}
        role="option"
        aria-selected={selected}
        className={`vrow${selected ? ' selected' : ''}`}
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}
        onClick={() => select(i)}
      >
        {renderRow(item, selected)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className="vlist"
      role="listbox"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={selectedKey !== undefined && selectedIndex >= 0 ? `row-${selectedKey}` : undefined}
      onKeyDown={onKeyDown}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="vlist-inner" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
