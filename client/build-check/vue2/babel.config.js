// as in uni-app's Vue 2 template (vue create -p dcloudio/uni-preset-vue); minichat-client needs nothing added here
const plugins = []
process.UNI_LIBRARIES = process.UNI_LIBRARIES || ['@dcloudio/uni-ui']
process.UNI_LIBRARIES.forEach((libraryName) => {
  plugins.push(['import', { libraryName, customName: (name) => `${libraryName}/lib/${name}/${name}` }])
})
module.exports = {
  presets: [['@vue/app', { useBuiltIns: 'entry' }]],
  plugins,
}
