// Lua scripts are bundled as text (esbuild's text loader; a Vite plugin in tests).
declare module '*.lua' {
  const source: string;
  export default source;
}
